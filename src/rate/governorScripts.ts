/**
 * The governor's state lives in one Redis hash so that every worker process, on
 * any host, paces against the same clock and the same rate. Both scripts take
 * `now` in milliseconds from ARGV when a test gives one (a fake clock), and read
 * Redis's own clock otherwise, so hosts with skewed clocks still agree.
 *
 * Rate model (CUBIC, as TCP uses, for requests/s instead of a window):
 *   after a throttle at time t0 the rate restarts at beta * wmax and follows
 *   rate(t) = wmax + C * (t - K)^3,  K = cbrt(wmax * (1 - beta) / C)
 *   so it climbs fast at first, lingers near wmax (where the last throttle was),
 *   then probes above it, never past the ceiling (`--rate`). Before any throttle
 *   it runs at the ceiling.
 * wmax is capped by what the service was actually serving (successes over the
 * last second, reported by the workers): told 4x the quota, the first throttle
 * already brings the rate near the real quota instead of halving down step by step.
 * Pacing is GCRA-like: each call reserves the next slot `tat` and advances it by
 * 1/rate, so calls leave evenly spaced and never in bursts.
 */
const COMMON = `
local key = KEYS[1]
local ceiling = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local beta = tonumber(ARGV[4])
local C = tonumber(ARGV[5])
local minRate = tonumber(ARGV[6])
local s = redis.call('HMGET', key, 'wmax', 't0', 'tat', 'pause', 'okCur', 'okSec', 'okPrev', 'since', 'last', 'okAll')
local wmax = tonumber(s[1])
local t0 = tonumber(s[2]) or 0
local tat = tonumber(s[3]) or 0
local pause = tonumber(s[4]) or 0
local okCur = tonumber(s[5]) or 0
local okSec = tonumber(s[6]) or 0
local okPrev = tonumber(s[7]) or 0
local since = tonumber(s[8]) or now
local last = tonumber(s[9]) or 0
local okAll = tonumber(s[10]) or 0
-- after two idle seconds the success count starts over
if now - last > 2000 then since = now; okAll = 0 end

local function rateAt(t)
  if not wmax then return ceiling end
  local elapsed = (t - t0) / 1000
  -- C scales with wmax, so the curve has the same shape at 2 req/s and at 2,000
  local c = C * wmax
  local k = ((wmax * (1 - beta)) / c) ^ (1 / 3)
  local r = wmax + c * (elapsed - k) ^ 3
  if elapsed < k then r = wmax - c * (k - elapsed) ^ 3 end
  if r > ceiling then r = ceiling end
  if r < minRate then r = minRate end
  return r
end

-- successes per second over a sliding one-second window
local sec = math.floor(now / 1000)
if sec ~= okSec then
  if sec == okSec + 1 then okPrev = okCur else okPrev = 0 end
  okCur = 0
  okSec = sec
end
-- what the service is serving: a sliding second once there is one, before
-- that the mean since traffic began (no estimate in the first 200 ms)
local function goodput()
  local span = now - since
  if span < 200 then return 0 end
  if span < 1500 then return okAll * 1000 / span end
  local frac = (now - sec * 1000) / 1000
  return okCur + okPrev * (1 - frac)
end
`;

/** ARGV: ceiling, now, successesSinceLastCall, beta, C, minRate. Returns {waitMs, rate}. */
export const RESERVE = `${COMMON}
okCur = okCur + tonumber(ARGV[3])
okAll = okAll + tonumber(ARGV[3])
local rate = rateAt(now)
local slot = math.max(tat, now, pause)
redis.call('HSET', key, 'tat', slot + 1000 / rate, 'okCur', okCur, 'okSec', okSec, 'okPrev', okPrev, 'rate', rate, 'since', since, 'last', now, 'okAll', okAll)
redis.call('PEXPIRE', key, 86400000)
return {tostring(slot - now), tostring(rate)}
`;

/** ARGV: ceiling, now, retryAfterMs, beta, C, minRate, cooldownMs. Returns {decreased(0/1), newRate}. */
export const THROTTLED = `${COMMON}
local retryAfter = tonumber(ARGV[3])
local cooldown = tonumber(ARGV[7])
local rate = rateAt(now)
local decreased = 0
-- one decrease per cooldown: the calls already in flight when the service
-- said no are the same overshoot, not new evidence
local g = goodput()
-- ...unless the service serves far less than we send: then that is new evidence
if not wmax or now - t0 >= cooldown or (g > 0 and g * 1.05 < rate * beta) then
  local w = rate
  if g > 0 and g * 1.05 < w then w = g * 1.05 end
  if w < minRate then w = minRate end
  wmax = w
  t0 = now
  decreased = 1
  rate = rateAt(now)
  -- slots already handed out stay; new ones are spaced at the new rate after them
end
if retryAfter > 0 and now + retryAfter > pause then pause = now + retryAfter end
redis.call('HSET', key, 'wmax', wmax, 't0', t0, 'tat', tat, 'pause', pause, 'okCur', okCur, 'okSec', okSec, 'okPrev', okPrev, 'rate', rate, 'since', since, 'last', now, 'okAll', okAll)
redis.call('HINCRBY', key, 'throttles', 1)
redis.call('PEXPIRE', key, 86400000)
return {decreased, tostring(rate)}
`;
