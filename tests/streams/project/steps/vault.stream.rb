# Ruby: can_access defined beside the config.
def config
  { name: 'vault', schema: { type: 'object' }, baseConfig: { storageType: 'default' } }
end

def can_access(subscription, auth_context)
  auth_context['token'] == 'rb-secret' && subscription['groupId'].start_with?('v-')
end
