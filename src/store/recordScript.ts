import { DONE_BITS_LUA } from "./doneBits.js";
import { BREAKER_CODES, OUTCOME_FIELD, RUN } from "./keys.js";
import { GROUP_FIELDS } from "./outcomeGroups.js";

const N = BREAKER_CODES.countPrefix;
const L = BREAKER_CODES.linePrefix;

/**
 * Records outcomes atomically. A bit per line (SETBIT returns the old bit) makes
 * the first outcome of a row the only one: a chunk that runs again after a crash
 * cannot report a row twice, and a million rows cost 125 KB. The outcome itself
 * goes to the run's stream, from which the report writer moves it to disk and
 * trims it, so Redis holds only what is not yet written out. Counters move in the
 * same script so they always agree with the outcomes.
 *
 * Also the circuit breaker, over the whole run (S3 Batch Operations' rule: stop
 * when more than half of the tasks fail, at any point after the first 1,000):
 * - a ring of `window` bits holds the result of the last `window` rows sent
 *   (1 = failed); once `window` rows were sent, more than `ratio` of them failed stops the run;
 * - `auth` rows failed with credential errors stop it at once (no window: nothing will pass);
 * - `consecutive` rows in a row failed without a service answer (refused, DNS,
 *   TLS, timeouts, 5xx after their retries) stop it: the endpoint is down.
 * A stop leaves unsent rows queued (workers park their chunks) until `resume`.
 *
 * Rows alike but for line and contact (not sent: outcomeGroups.ts) may travel as groups: the same done bits
 * (doneBits.ts) and counters, and one stream entry for a group's rows that were new, in the same script.
 *
 * KEYS: [1] done bitmap, [2] run hash, [3] outcome stream, [4] breaker ring, [5] breaker codes hash.
 * ARGV: [1] runId, [2] window, [3] ratio, [4] auth, [5] consecutive, [6] now (epoch ms), [7] rows one by one
 *   (n), [8] '1' where the run's stream keeps its count of outcomes (RUN.streamRows: a run whose outcomes may
 *   be grouped), then 2 per row: "line|status|throttles|flag|errorCode" (flag: SendFlag; the code last, so it may hold
 *   any character), and the encoded outcome (two arguments a row, not seven: building a script call's
 *   arguments was most of its cost to the caller, a 100k-row night spent ~0.25 s there); then 7 per group:
 *   status, errorCode, finishedAt, instanceId, the message after the line, lines (packed), contact ids ("\n"
 *   between them).
 * Returns: {rows newly recorded, run state after ('gone': the run's hash does not exist; nothing written)}.
 */
export const RECORD = `
-- A run whose hash is gone (pruned, or Redis lost its data) gets no orphan keys.
if redis.call('EXISTS', KEYS[2]) == 0 then return {0, 'gone'} end
local runId = ARGV[1]
local window = tonumber(ARGV[2])
local ratio = tonumber(ARGV[3])
local authLimit = tonumber(ARGV[4])
local consecLimit = tonumber(ARGV[5])
local added = 0
local singles = tonumber(ARGV[7])
local counted = ARGV[8] == '1'
-- The run's counters move once per script, not once per row: a row's own call to Redis costs more than its count.
local counts = {}
local function bump(field, n) counts[field] = (counts[field] or 0) + n end
local function stop(reason)
  if redis.call('HGET', KEYS[2], '${RUN.state}') ~= 'stopped' then
    redis.call('HSET', KEYS[2], '${RUN.state}', 'stopped', '${RUN.stopReason}',
      'circuit breaker: ' .. reason .. '; rows not yet sent stay queued: fix the cause, then run "connect-backfill resume ' .. runId .. '"')
  end
end
local function example(code)
  local line = redis.call('HGET', KEYS[5], '${L}' .. code)
  return code .. (line and (', e.g. line ' .. line) or '')
end
for i = 9, 8 + 2 * singles, 2 do
  local line, status, throttles, sendFlag, code = string.match(ARGV[i], '^(%d+)|([^|]*)|(%d+)|(%d+)|(.*)$')
  if redis.call('SETBIT', KEYS[1], tonumber(line), 1) == 0 then
    added = added + 1
    redis.call('XADD', KEYS[3], '*', '${OUTCOME_FIELD}', ARGV[i + 1])
    bump('${RUN.countPrefix}' .. status, 1)
    if code ~= '' then bump('${RUN.errorPrefix}' .. code, 1) end
    -- The row's calls are not counted here: calls are counted when they are sent (countSent),
    -- so a call whose worker died before its outcome was written still counts.
    local thr = tonumber(throttles)
    if thr > 0 then bump('${RUN.throttled}', thr) end
    local flag = tonumber(sendFlag)
    if flag > 0 then
      local sent = redis.call('HINCRBY', KEYS[2], '${RUN.breakerSent}', 1)
      local failed = flag >= 2 and 1 or 0
      local old = redis.call('SETBIT', KEYS[4], (sent - 1) % window, failed)
      local inWindow = redis.call('HINCRBY', KEYS[2], '${RUN.breakerFailed}', failed - old)
      if failed == 1 then
        redis.call('HINCRBY', KEYS[5], '${N}' .. code, 1)
        redis.call('HSETNX', KEYS[5], '${L}' .. code, line)
      end
      local consec = 0
      if flag == 3 then consec = redis.call('HINCRBY', KEYS[2], '${RUN.breakerConsecutive}', 1)
      else redis.call('HSET', KEYS[2], '${RUN.breakerConsecutive}', 0) end
      if flag == 4 then
        local auth = redis.call('HINCRBY', KEYS[2], '${RUN.breakerAuth}', 1)
        if auth >= authLimit then
          stop(auth .. ' rows failed with credential errors (' .. example(code) .. '); the credentials were refused')
        end
      end
      if consec >= consecLimit then
        stop('the last ' .. consec .. ' rows sent all failed without an answer from the service (' .. example(code) .. ')')
      end
      if sent >= window and inWindow > window * ratio then
        local top, topN = '', -1
        local codes = redis.call('HGETALL', KEYS[5])
        for j = 1, #codes, 2 do
          local f = codes[j]
          if string.sub(f, 1, ${N.length}) == '${N}' then
            local n = tonumber(codes[j + 1])
            if n > topN then top, topN = string.sub(f, ${N.length + 1}), n end
          end
        end
        -- One decimal: 501 of 1000 must not read "50%, more than 50%".
        stop(inWindow .. ' of the last ' .. window .. ' rows sent failed (' .. string.format('%.1f', inWindow * 100 / window) ..
          '%, more than ' .. string.format('%g', ratio * 100) .. '%), most with ' .. example(top))
      end
    end
  end
end
${DONE_BITS_LUA}
for g = 9 + 2 * singles, #ARGV, 7 do
  local status, code, contacts = ARGV[g], ARGV[g + 1], ARGV[g + 6]
  local lines = unpackLines(ARGV[g + 5])
  local fresh = markDone(KEYS[1], lines)
  local kept = {}
  for k = 1, #lines do
    -- A line twice in the group is new the first time only.
    if fresh[lines[k]] then
      fresh[lines[k]] = nil
      kept[#kept + 1] = k
    end
  end
  if #kept > 0 then
    added = added + #kept
    bump('${RUN.countPrefix}' .. status, #kept)
    if code ~= '' then bump('${RUN.errorPrefix}' .. code, #kept) end
    local keptLines, keptContacts = {}, contacts
    for n, k in ipairs(kept) do keptLines[n] = lines[k] end
    if #kept < #lines then
      -- Some rows had an outcome already (a chunk taken up again): the entry holds the others' contacts only.
      local all, from = {}, 1
      for k = 1, #lines do
        local nl = string.find(contacts, '\\n', from, true)
        all[k] = string.sub(contacts, from, (nl or (#contacts + 1)) - 1)
        from = (nl or #contacts) + 1
      end
      local picked = {}
      for n, k in ipairs(kept) do picked[n] = all[k] end
      keptContacts = table.concat(picked, '\\n')
    end
    redis.call('XADD', KEYS[3], '*', '${GROUP_FIELDS[0]}', status, '${GROUP_FIELDS[1]}', code, '${GROUP_FIELDS[2]}', ARGV[g + 2],
      '${GROUP_FIELDS[3]}', ARGV[g + 3], '${GROUP_FIELDS[4]}', ARGV[g + 4], '${GROUP_FIELDS[5]}', table.concat(keptLines, ','), '${GROUP_FIELDS[6]}', keptContacts)
  end
end
if counted and added > 0 then bump('${RUN.streamRows}', added) end
for field, n in pairs(counts) do redis.call('HINCRBY', KEYS[2], field, n) end
-- When the latest outcome landed: a finished run's rate stays what it was, and status can tell a run being worked.
if added > 0 then redis.call('HSET', KEYS[2], '${RUN.lastAt}', ARGV[6]) end
return {added, redis.call('HGET', KEYS[2], '${RUN.state}') or ''}
`;
