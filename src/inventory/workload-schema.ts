import { z } from 'zod';
import { StringMap } from './k8s-object.ts';

export const ContainerSpec = z.looseObject({
  name: z.string().min(1),
  image: z.string().nullish(),
  ports: z
    .array(
      z.looseObject({
        containerPort: z.number().int().min(1).max(65535),
        name: z.string().nullish(),
        protocol: z.string().nullish(),
      }),
    )
    .nullish(),
  restartPolicy: z.string().nullish(),
});
export type ContainerSpec = z.infer<typeof ContainerSpec>;

export const PodSpec = z.looseObject({
  containers: z.array(ContainerSpec).nullish(),
  initContainers: z.array(ContainerSpec).nullish(),
  hostNetwork: z.boolean().nullish(),
});
export type PodSpec = z.infer<typeof PodSpec>;

export const PodTemplate = z.looseObject({
  metadata: z.looseObject({ labels: StringMap.nullish(), annotations: StringMap.nullish() }).nullish(),
  spec: PodSpec,
});
export type PodTemplate = z.infer<typeof PodTemplate>;

export const PodObjectFields = z.looseObject({
  spec: PodSpec,
  status: z.looseObject({ phase: z.string().nullish() }).nullish(),
});

export const ControllerFields = z.looseObject({
  spec: z.looseObject({ template: PodTemplate }),
});

export const CronJobFields = z.looseObject({
  spec: z.looseObject({
    jobTemplate: z.looseObject({ spec: z.looseObject({ template: PodTemplate }) }),
  }),
});

export const ServiceFields = z.looseObject({
  spec: z
    .looseObject({
      selector: StringMap.nullish(),
      ports: z
        .array(
          z.looseObject({
            port: z.number().int(),
            targetPort: z.union([z.number().int(), z.string()]).nullish(),
            name: z.string().nullish(),
            protocol: z.string().nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
});

export const ConfigMapFields = z.looseObject({
  data: z.record(z.string(), z.string()).nullish(),
});
