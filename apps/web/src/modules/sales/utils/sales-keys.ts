/** Query keys of the sales module: the pipeline board and a deal's stages. */
export const salesKeys = {
  all: ['kanban'] as const,
  pipelines: ['kanban', 'pipelines'] as const,
  board: (pipelineId: string | undefined) => ['kanban', 'board', pipelineId] as const,
  stages: (pipelineId: string | null) => ['kanban', 'stages', pipelineId] as const,
};
