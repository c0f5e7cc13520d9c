// Types of tester.cjs: the API of Motia 0.17's @motiadev/test (packages/test/src/types.ts)
// and Steppe's additions (run, state, logs).

export type RequestOptions = {
  body?: Record<string, unknown> | unknown[]
  headers?: Record<string, string>
  cookies?: Record<string, string>
}

export type Response = {
  status: number
  statusCode: number
  ok: boolean
  body: any
  text: string
  headers: Record<string, string>
}

export type CapturedEvent<TData = unknown> = {
  topic: string
  data: TData
  traceId: string
  flows?: string[]
  messageGroupId?: string
}

export type Watcher<TData = unknown> = {
  getCapturedEvents(): CapturedEvent<TData>[]
  getLastCapturedEvent(): CapturedEvent<TData> | undefined
  getCapturedEvent(index: number): CapturedEvent<TData> | undefined
}

export type RunReport = {
  step: string
  traceId: string
  result: any
  emits: { topic: string; data: unknown }[]
  stateWrites: { op: 'set' | 'delete' | 'clear'; group: string; key?: string; value?: unknown }[]
  logs: Record<string, unknown>[]
}

export interface MotiaTester {
  post(path: string, options?: RequestOptions): Promise<Response>
  get(path: string, options?: RequestOptions): Promise<Response>
  put(path: string, options?: RequestOptions): Promise<Response>
  patch(path: string, options?: RequestOptions): Promise<Response>
  delete(path: string, options?: RequestOptions): Promise<Response>
  emit(event: { topic: string; data: unknown; traceId?: string; flows?: string[]; messageGroupId?: string }): Promise<void>
  watch<TData>(topic: string): Promise<Watcher<TData>>
  sleep(ms: number): Promise<void>
  close(): Promise<void>
  waitEvents(): Promise<void>
  logger: Record<'info' | 'error' | 'warn' | 'debug' | 'log', (...args: unknown[]) => void>
  run(step: string, input?: { data?: unknown; params?: Record<string, string>; query?: Record<string, string> }): Promise<RunReport>
  state: {
    get<T = unknown>(group: string, key: string): Promise<T | null>
    getGroup<T = unknown>(group: string): Promise<T[]>
    items<T = unknown>(group: string): Promise<{ key: string; value: T }[]>
  }
  logs(): Promise<Record<string, unknown>[]>
}

export declare function createMotiaTester(): MotiaTester
export declare function createMockLogger(): Record<'info' | 'error' | 'warn' | 'debug' | 'log', any>
export declare function createMockContext(options?: {
  logger?: any
  emit?: any
  traceId?: string
  state?: Record<string, any>
}): { logger: any; emit: any; traceId: string; state: Record<string, any> }
