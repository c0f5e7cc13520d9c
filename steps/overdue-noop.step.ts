// Pet store: a manual step. Staff call the owner of an overdue order; nothing
// runs here, the step only shows that hand-off in the flow graph.
import type { NoopConfig } from 'motia'

export const config: NoopConfig = {
  type: 'noop',
  name: 'OverdueNoop',
  description: 'Manual: staff contact the owner about an overdue order',
  virtualSubscribes: ['order.overdue'],
  virtualEmits: ['owner.contacted'],
  flows: ['pet-store'],
}
