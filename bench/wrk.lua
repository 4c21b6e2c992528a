-- The benchmark's wrk script: one operation per wrk run, named in the
-- arguments after "--" (bench/run passes them):
--
--   wrk -t2 -c16 -d20s -s bench/wrk.lua http://127.0.0.1:8765 -- \
--       <operation> <api key> <members> <run id> <work dir> [keys]
--
-- keys: "1" (the default) sends an Idempotency-Key with place, complete and
-- return, as a storefront that retries should; "0" sends none.
--
-- Operations: noop and write (the baselines), member, calculate, place,
-- complete, return. Members are picked at random among the generated ones
-- (external ids m0000001 .. m<members>).
--
-- place, complete and return form a chain across three runs. place numbers
-- its orders "<run id>-<thread>-<n>" and writes the number of every order
-- placed (201) to <work dir>/place-done-<thread>.txt; bench/run deals these
-- out to complete-input-<thread>.txt; complete writes the orders it
-- completed to complete-done-<thread>.txt, which become return's input.
-- A thread whose input runs out stops (its requests so far count).
--
-- done() prints one line "BENCH_RESULT {json}" that bench/run reads.

local threads = {}
local next_thread = 1

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

-- Thread state: set in init().
local op, members, run_id, dir, send_keys
local headers = {}
local seq = 0
local queue, queue_pos = {}, 0
local done_file, error_file
exhausted = 0
errors_logged = 0

local categories = { "electronics", "apparel", "home", "kitchen", "beauty", "books", "toys", "grocery" }

function init(args)
  op, members, run_id, dir = args[1], tonumber(args[3]), args[4], args[5]
  send_keys = args[6] ~= "0"
  headers["Authorization"] = "Api-Key " .. args[2]
  headers["Content-Type"] = "application/json"
  math.randomseed(os.time() * 100 + tid)
  if op == "complete" or op == "return" then
    local input = io.open(string.format("%s/%s-input-%d.txt", dir, op, tid), "r")
    if input then
      for line in input:lines() do
        queue[#queue + 1] = line
      end
      input:close()
    end
  end
  if op == "place" or op == "complete" then
    done_file = io.open(string.format("%s/%s-done-%d.txt", dir, op, tid), "w")
  end
end

local function member()
  return string.format("m%07d", math.random(members))
end

local function price(low, high)
  return string.format("%d.00", math.random(low, high) * 10 - 10)
end

-- A cart of two lines (the second with two units, so a return by lines can
-- be partial); the shopper pays with as many points as the order allows.
local function cart(extra)
  return string.format(
    '{%s"member":"%s","currency":"RUB","lines":['
      .. '{"id":"1","sku":"SKU-%d","category":"%s","quantity":1,"unit_price":"%s"},'
      .. '{"id":"2","sku":"SKU-%d","category":"%s","quantity":2,"unit_price":"%s"}],'
      .. '"shipping":"%s","coupon_codes":[],"points_to_spend":"max"}',
    extra or "",
    member(),
    math.random(1, 99999),
    categories[math.random(#categories)],
    price(50, 600),
    math.random(1, 99999),
    categories[math.random(#categories)],
    price(20, 200),
    math.random() < 0.3 and "299.00" or "0.00"
  )
end

local function take()
  queue_pos = queue_pos + 1
  return queue[queue_pos]
end

local function stop()
  -- Nothing left to complete or return: this thread is done. The request
  -- returned here is never sent (the thread stops first).
  exhausted = 1
  wrk.thread:stop()
  return wrk.format("GET", "/api/bench/noop", headers)
end

function request()
  if op == "noop" then
    return wrk.format("GET", "/api/bench/noop", headers)
  elseif op == "write" then
    return wrk.format("POST", "/api/bench/write", headers, string.format('{"member":"%s"}', member()))
  elseif op == "member" then
    return wrk.format("GET", "/api/v1/members/" .. member(), headers)
  elseif op == "calculate" then
    return wrk.format("POST", "/api/v1/checkout/calculate", headers, cart())
  elseif op == "place" then
    seq = seq + 1
    local number = string.format("%s-%d-%d", run_id, tid, seq)
    if send_keys then
      headers["Idempotency-Key"] = "place-" .. number
    end
    return wrk.format("POST", "/api/v1/orders", headers, cart(string.format('"number":"%s",', number)))
  elseif op == "complete" then
    local number = take()
    if number == nil then
      return stop()
    end
    if send_keys then
      headers["Idempotency-Key"] = "complete-" .. number
    end
    return wrk.format("POST", "/api/v1/orders/" .. number .. "/complete", headers, "")
  elseif op == "return" then
    local number = take()
    if number == nil then
      return stop()
    end
    if send_keys then
      headers["Idempotency-Key"] = "return-" .. number
    end
    local body
    if queue_pos % 2 == 0 then
      body = '{"number":"R-' .. number .. '","full":true}'
    else
      body = '{"number":"R-' .. number .. '","lines":[{"line_id":"2","quantity":1}]}'
    end
    return wrk.format("POST", "/api/v1/orders/" .. number .. "/returns", headers, body)
  end
  error("unknown operation " .. tostring(op))
end

function response(status, response_headers, body)
  if status >= 300 then
    if errors_logged < 20 then
      errors_logged = errors_logged + 1
      -- The first answers that were not a success, kept for the report.
      error_file = error_file or io.open(string.format("%s/%s-errors-%d.txt", dir, op, tid), "w")
      error_file:write(status, " ", body, "\n")
      error_file:flush()
    end
    return
  end
  if op == "place" and status == 201 then
    done_file:write(string.match(body, '"number":"([^"]+)"'), "\n")
  elseif op == "complete" and string.find(body, '"status":"completed"', 1, true) then
    done_file:write(string.match(body, '"number":"([^"]+)"'), "\n")
  end
end

function done(summary, latency, requests)
  local stopped = 0
  for _, thread in ipairs(threads) do
    stopped = stopped + (thread:get("exhausted") or 0)
  end
  local errors = summary.errors
  io.write(
    string.format(
      'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"mean_us":%.1f,"stdev_us":%.1f,"max_us":%d,'
        .. '"p50_us":%d,"p90_us":%d,"p95_us":%d,"p99_us":%d,'
        .. '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d,'
        .. '"threads_out_of_input":%d}\n',
      summary.requests,
      summary.duration,
      summary.bytes,
      latency.mean,
      latency.stdev,
      latency.max,
      latency:percentile(50),
      latency:percentile(90),
      latency:percentile(95),
      latency:percentile(99),
      errors.connect,
      errors.read,
      errors.write,
      errors.status,
      errors.timeout,
      stopped
    )
  )
end
