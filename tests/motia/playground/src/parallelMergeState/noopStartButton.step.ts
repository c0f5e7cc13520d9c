import type { NoopConfig } from 'motia'

export const config: NoopConfig = {
  type: 'noop',
  name: 'Test the flow',
  description: 'Does nothing; a start button for the flow in the workbench',
  virtualSubscribes: [],
  virtualEmits: ['/api/parallel-merge'],
  flows: ['parallel-merge'],
}
