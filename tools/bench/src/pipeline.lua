-- wrk script: send 16 pipelined requests per round (wrk counts each response).
init = function(args)
  local depth = tonumber(os.getenv("T_PIPELINE") or "16")
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil, "/")
  end
  req = table.concat(r)
end

request = function()
  return req
end
