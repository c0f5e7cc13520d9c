# A Motia 1.0-style stream in Ruby: on_join / on_leave as top-level methods.
def config
  { name: 'lobby', schema: { type: 'object' }, baseConfig: { storageType: 'default' } }
end

def on_join(subscription, context, auth_context)
  context.logger.info("joined lobby #{subscription['groupId']}")
  { unauthorized: auth_context.nil? || auth_context['userId'] != 'ann' }
end

def on_leave(subscription, context, auth_context)
  context.logger.info("left lobby #{subscription['groupId']} by #{auth_context['userId']}")
end
