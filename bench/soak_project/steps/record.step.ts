export const config = {
  type: 'event', name: 'SoakRecordTs', subscribes: ['soak.work'], emits: [], input: { id: 'string' },
}
export const handler = async (input: { id: string }, { state }: any) => {
  await state.set('soak-ts', input.id, true)
}
