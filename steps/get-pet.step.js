// Pet store: look a pet up by id (CommonJS, as in the seed's JavaScript steps).
exports.config = {
  type: 'api',
  name: 'GetPet',
  description: 'Fetch a pet by id',
  method: 'GET',
  path: '/pets/:id',
  responseSchema: {
    200: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        species: { type: 'string' },
        ageMonths: { type: 'integer' },
        createdAt: { type: 'string' },
      },
      required: ['id', 'name', 'species', 'ageMonths', 'createdAt'],
    },
    404: {
      type: 'object',
      properties: { error: { type: 'string' }, id: { type: 'string' } },
      required: ['error', 'id'],
    },
  },
  emits: [],
  flows: ['pet-store'],
}

exports.handler = async (req, { logger, state }) => {
  const { id } = req.pathParams
  const pet = await state.get('pets', id)
  if (!pet) {
    logger.warn('Pet not found', { petId: id })
    return { status: 404, body: { error: 'Pet not found', id } }
  }
  return { status: 200, body: pet }
}
