// Pet store: register a pet. Validates the body with zod, stores the pet in the
// `pets` state group and announces it on `pet.created`.
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { ApiRouteConfig, Handlers } from 'motia'

const petBody = z.object({
  name: z.string().min(1),
  species: z.enum(['dog', 'cat', 'bird', 'fish']),
  ageMonths: z.number().int().min(0),
})

const pet = petBody.extend({
  id: z.string(),
  createdAt: z.string(),
})

export const config: ApiRouteConfig = {
  type: 'api',
  name: 'CreatePet',
  description: 'Register a pet in the store',
  method: 'POST',
  path: '/pets',
  bodySchema: petBody,
  responseSchema: { 201: pet },
  emits: ['pet.created'],
  flows: ['pet-store'],
}

export const handler: Handlers['CreatePet'] = async (req, { emit, logger, state }) => {
  const { name, species, ageMonths } = req.body
  const newPet = { id: randomUUID(), name, species, ageMonths, createdAt: new Date().toISOString() }

  await state.set('pets', newPet.id, newPet)
  await emit({ topic: 'pet.created', data: newPet })
  logger.info('Pet created', { petId: newPet.id, species })

  return { status: 201, body: newPet }
}
