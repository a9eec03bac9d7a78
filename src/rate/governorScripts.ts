/**
 * The governor's state lives in one Redis hash so that every worker process, on
 * any host, paces against the same clock and the same rate. Both scripts take
 * `now` in milliseconds from ARGV when a test gives one (a fake clock), and read
 * Redis's own clock otherwise, so hosts with skewed clocks still agree.
 *
 * Rate model (CUBIC, as TCP uses, for requests/s instead of a window):
 *   after a throttle at time t0 the rate restarts at beta * wmax and follows
 *   rate(t) = wmax + C*wmax * (t - K)^3,  K = cbrt((1 - beta) / C)
 *   so it climbs fast at first, lingers near wmax (where the last throttle was),
 *   then probes above it (exponentially after half a second on the plateau),
 *   never past the ceiling (the highest `--rate` among the callers of the last 2 s). Before the first
 *   throttle it starts at ceiling/8 (near the ceiling when it is the account's stated quota, or near an
 *   old safe rate, a hint) and doubles every 250 ms (TCP's slow start); that throttle sets
 *   wmax to the rate of a quarter-second earlier (the last one the service took), not the doubled one.
 * A deep bucket (Connect's is 1.5x the rate) lets slow start run far past the quota before the first
 * no, and that first decrease still overshoots; a call sent after a decrease and throttled decreases
 * again at once (TCP's one decrease per round trip), instead of waiting for the cooldown.
 * wmax is capped by what the service actually served since the previous decrease
 * (successes reported by the workers): told 4x the quota, or when the quota drops,
 * the second throttle brings the rate near the real quota instead of stepping down.
 * Pacing is GCRA-like: each call reserves the next slot(s) at `tat` and advances
 * it by 1/rate per slot, so calls leave evenly spaced and never in bursts. Every
 * decrease or pause starts a new epoch; slots of an older epoch are not used.
 */
const COMMON = `
local key = KEYS[1]
local own = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local beta = tonumber(ARGV[4])
local C = tonumber(ARGV[5])
local minRate = tonumber(ARGV[6])
local s = redis.call('HMGET', key, 'wmax', 't0', 'tat', 'pause', 'since', 'last', 'satOk', 'bIdx', 'bCur', 'bPrev', 'capHi', 'capAt', 'probeAt', 'safe', 'probeGap', 'hint', 'ssOk')
-- the share of the rate found safe left to the account's other callers (--headroom); 0: take it all
local headroom = tonumber(ARGV[8]) or 0
local probeAt = tonumber(s[13]) or 0
-- the highest rate found safe: what the service served when it last said no (wmax is the rate we sent then)
local safe = tonumber(s[14])
-- a minute between probes; a few seconds while probes keep passing (room came back after a
-- spike, or a stale low estimate): the rate climbs back by 10% a probe instead of 10% a minute
local probeGap = tonumber(s[15]) or 60000
local wmax = tonumber(s[1])
local t0 = tonumber(s[2]) or 0
local tat = tonumber(s[3]) or 0
local pause = tonumber(s[4]) or 0
local since = tonumber(s[5]) or now
local last = tonumber(s[6]) or 0
local satOk = tonumber(s[7]) or 0
-- successes in half-second buckets: the current one and the one before
local bIdx = tonumber(s[8]) or 0
local bCur = tonumber(s[9]) or 0
local bPrev = tonumber(s[10]) or 0
-- what was learned ten minutes or more ago (another run, another day, a caller since gone) is a
-- starting hint, not a cap: slow start begins again from near it and finds the quota as it is now
local STALE = 600000
local hint = tonumber(s[16])
-- successes since slow start began (reported with each reservation)
local ssOk = tonumber(s[17]) or 0
if wmax and last > 0 and now - last > STALE then
  hint = safe or wmax
  wmax = nil
  safe = nil
  t0 = 0
  probeAt = 0
  probeGap = 60000
  satOk = 0
  since = now
  ssOk = 0
  redis.call('HDEL', key, 'wmax', 't0', 'safe')
  redis.call('HSET', key, 'hint', hint)
end
-- where slow start begins, as a share of the ceiling: an eighth of a guessed one (--rate or the
-- default), near it when it is the account's own quota as Service Quotas states it
local startShare = tonumber(ARGV[9]) or 0.125
local idx = math.floor(now / 500)
if idx ~= bIdx then
  if idx == bIdx + 1 then bPrev = bCur else bPrev = 0 end
  bCur = 0
  bIdx = idx
end
-- The shared rate's ceiling is the highest --rate among the callers of the last
-- two seconds: a caller's own, lower cap is kept by that caller (RateGovernor),
-- so a slow run or a retry left at the default never slows the others.
local capHi = tonumber(s[11]) or 0
local capAt = tonumber(s[12]) or 0
if own >= capHi or now - capAt > 2000 then
  -- a higher cap arriving voids the schedule booked at the lower one's pace
  -- (one slot at a slow start of 5/8 req/s is 1.6 s of it)
  if own > capHi and tat > now then tat = now end
  capHi = own
  capAt = now
end
local ceiling = capHi
-- after two idle seconds, slow start begins again (until the first throttle)
if now - last > 2000 then
  since = now
  ssOk = 0
end

-- With headroom, the rate stays under (1 - headroom) of the rate found safe (what
-- the service served when it last said no); once a minute it probes above, rising
-- to 1.1 x that over two seconds: a throttle then measures it again, and a probe
-- that passes raises it (RESERVE), so a quota that grew, or a caller that left, is found.
local PROBE_EVERY = 60000
local PROBE_AGAIN = 4000
local PROBE_MS = 2000
local function headroomCap(t)
  local base = safe or wmax
  local cap = base * (1 - headroom)
  local into = t - math.max(t0, probeAt) - probeGap
  if into >= 0 and into <= PROBE_MS then cap = cap + (base * 1.1 - cap) * (into / PROBE_MS) end
  return cap
end

local function rateAt(t)
  if not wmax then
    local start = ceiling * startShare
    if hint and hint * 0.9 > start then start = math.min(hint * 0.9, ceiling) end
    local r = start * 2 ^ ((t - since) / 250)
    if r > ceiling then r = ceiling end
    if r < minRate then r = minRate end
    return r
  end
  local elapsed = (t - t0) / 1000
  -- C scales with wmax, so the curve has the same shape at 2 req/s and at 2,000
  local c = C * wmax
  local k = ((wmax * (1 - beta)) / c) ^ (1 / 3)
  local r = wmax + c * (elapsed - k) ^ 3
  if elapsed < k then r = wmax - c * (k - elapsed) ^ 3 end
  -- half a second on the plateau without a throttle means the quota went up (or
  -- another caller left): probe exponentially, doubling every 500 ms, as the cubic
  -- alone needs many seconds to find a quota far above the last one
  if elapsed > k + 0.5 then
    local probe = wmax * 2 ^ ((elapsed - k - 0.5) / 0.5)
    if probe > r then r = probe end
  end
  if headroom > 0 then
    local cap = headroomCap(t)
    if r > cap then r = cap end
  end
  if r > ceiling then r = ceiling end
  if r < minRate then r = minRate end
  return r
end

-- what the service served while we pushed against it: since the last decrease
-- when that is recent (the bucket was empty then, so no burst inflates it), else
-- over the last half second; 0 = no evidence yet
local function goodput()
  if not wmax or now - t0 < 300 then return 0 end
  if now - t0 < 1000 then return satOk * 1000 / (now - t0) end
  local frac = (now - idx * 500) / 500
  return (bCur + bPrev * (1 - frac)) * 2
end
`;

/**
 * Reserves `count` consecutive slots, unless the next free slot is further ahead
 * than a short horizon: slots booked far ahead would lock in an old rate (slow
 * start, or before a throttle), so the caller asks again later instead.
 *
 * KEYS[1]  the governor hash (one per API)
 * ARGV     ownCeiling (req/s, the caller's --rate), now (ms, or -1: Redis's clock),
 *          successesSinceLastCall, beta, C, minRate, count, headroom (0..1), startShare (0..1]
 * Returns  {waitMs to the first slot, rate, interval (ms), epoch ("t0:pause"),
 *           granted (1/0), horizon (ms)}
 */
export const RESERVE = `${COMMON}
satOk = satOk + tonumber(ARGV[3])
bCur = bCur + tonumber(ARGV[3])
if not wmax then ssOk = ssOk + tonumber(ARGV[3]) end
if headroom > 0 and wmax and now - math.max(t0, probeAt) - probeGap > PROBE_MS then
  -- the probe passed without a throttle; what the service served at its top is safe
  -- (only what it served: an idle or capped caller proves nothing)
  local served = (bCur + bPrev * (1 - (now - idx * 500) / 500)) * 2
  local base = safe or wmax
  if served > base then
    safe = math.min(served, base * 1.1)
    probeGap = PROBE_AGAIN
  else
    probeGap = PROBE_EVERY
  end
  probeAt = now
end
local rate = rateAt(now)
local count = tonumber(ARGV[7]) or 1
local slot = math.max(tat, now, pause)
local horizon = math.max(20, 2000 / rate)
local granted = 0
if slot - now <= horizon then
  granted = 1
  tat = slot + count * 1000 / rate
end
redis.call('HSET', key, 'ssOk', ssOk, 'tat', tat, 'satOk', satOk, 'rate', rate, 'since', since, 'last', now, 'bIdx', bIdx, 'bCur', bCur, 'bPrev', bPrev, 'capHi', capHi, 'capAt', capAt, 'probeAt', probeAt, 'probeGap', probeGap)
if safe then redis.call('HSET', key, 'safe', safe) end
redis.call('PEXPIRE', key, 86400000)
return {tostring(slot - now), tostring(rate), tostring(1000 / rate), tostring(t0) .. ':' .. tostring(pause), granted, tostring(horizon)}
`;

/**
 * A throttle: a multiplicative decrease (at most one per cooldown, or one more each time a call sent
 * after the last decrease is throttled) and a pause for Retry-After.
 *
 * KEYS[1]  the governor hash
 * ARGV     ownCeiling, now (ms or -1), retryAfterMs (already capped), beta, C, minRate, cooldownMs, headroom, startShare,
 *          sentT0 (the t0 of the epoch the throttled call was sent in; "" when unknown)
 * Returns  {decreased (0/1), newRate, epoch ("t0:pause")}
 */
export const THROTTLED = `${COMMON}
local retryAfter = tonumber(ARGV[3])
local cooldown = tonumber(ARGV[7])
local rate = rateAt(now)
local decreased = 0
-- one decrease per cooldown: the calls already in flight when the service
-- said no are the same overshoot, not new evidence
local g = goodput()
-- ...unless the service serves far less than we send: then that is new evidence; or the call was sent
-- after the last decrease, at the rate it set: that rate is still too high (TCP's rule: one decrease
-- per round trip, not per fixed cooldown)
local sentT0 = tonumber(ARGV[10])
local fresh = wmax and sentT0 and math.abs(sentT0 - t0) < 0.01
if not wmax or now - t0 >= cooldown or (g > 0 and g * 1.05 < rate * beta) or fresh then
  local w = rate
  if g > 0 and g * 1.05 < w then w = g * 1.05 end
  if w < minRate then w = minRate end
  -- served, not sent: the rate sent when the service said no overshoots by the burst it let
  -- through; with the same 5% as wmax, since successes are reported late (with the next
  -- reservation), and below the cap a low estimate is only corrected by the minute's probe
  if g > 0 then safe = math.min(g * 1.05, rate)
  -- a throttle of a call sent at the rate the last decrease set, with no evidence yet: the rate is
  -- too high, but says little of the quota (near it, a bucket just emptied refuses a call now and
  -- then); the safe rate waits for what the service serves (the next decrease past the cooldown)
  elseif fresh and now - t0 < cooldown then safe = safe or rate
  else safe = w * beta end
  -- leaving slow start: the rate doubles every 250 ms, so the one it reached when the
  -- service said no is up to twice what the service takes; a quarter-second earlier
  -- it was taken (the cubic restarts from beta times that; --headroom's safe rate above
  -- keeps the rate sent, and the throttles that follow measure it)
  if not wmax then
    w = rateAt(now - 250)
    -- ...and never above what slow start was served on average: a deep bucket let the doubling run
    -- far past the quota before saying no (that average counts the bucket too, so it is still above)
    local served = ssOk * 1000 / math.max(250, now - since)
    if served > 0 and served * 1.05 < w then w = served * 1.05 end
    if w < minRate then w = minRate end
  end
  wmax = w
  t0 = now
  satOk = 0
  decreased = 1
  -- the service said no: the limit is known again, probes go back to once a minute
  probeGap = PROBE_EVERY
  rate = rateAt(now)
  -- the epoch changes: workers drop the slots they hold and take new ones at the
  -- new rate, so a queue of reservations made at the old rate does not keep overshooting
  tat = now
end
if retryAfter > 0 and now + retryAfter > pause then pause = now + retryAfter end
if safe then redis.call('HSET', key, 'safe', safe) end
redis.call('HSET', key, 'probeGap', probeGap)
redis.call('HSET', key, 'wmax', wmax, 't0', t0, 'tat', tat, 'pause', pause, 'satOk', satOk, 'rate', rate, 'since', since, 'last', now, 'bIdx', bIdx, 'bCur', bCur, 'bPrev', bPrev, 'capHi', capHi, 'capAt', capAt)
redis.call('HINCRBY', key, 'throttles', 1)
redis.call('PEXPIRE', key, 86400000)
return {decreased, tostring(rate), tostring(t0) .. ':' .. tostring(pause)}
`;
