export type ParallelMergeStep = { msg: string; timestamp: number }
