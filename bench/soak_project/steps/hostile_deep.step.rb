# Hostile: any body is echoed; the soak sends bodies nested 127 levels deep (once enough
# to crash the Ruby runner's decoder), which max_json_depth must refuse with a 400.
def config
  { type: 'api', name: 'HostileDeep', method: 'POST', path: '/hostile/deep', emits: [] }
end

def handler(req, _ctx)
  { status: 200, body: req['body'] }
end
