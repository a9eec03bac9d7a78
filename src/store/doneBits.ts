/**
 * The done bitmap's Lua, shared by the scripts that give rows their outcome (outcomeLog.ts, outcomeMarks.ts):
 * one bit per line, set by the first outcome. Lines travel packed (4 bytes a line, big-endian): one binary
 * argument for a chunk's lines, none to parse as text.
 *
 * The bits are read and written a span of bytes at a time (GETRANGE, SETRANGE), not a SETBIT per line: a
 * chunk's lines are mostly next to each other, and a Lua call to Redis per line was two thirds of a script's
 * time (a 1M-row dry run: ~0.65 -> ~0.2 ms a chunk, measured alone). The same bits as SETBIT, in the same
 * order: a line twice in one call is new the first time only.
 */

/**
 * Lua: `unpackLines(packed)` gives the lines of one packed argument; `markDone(key, lines)` sets their bits and
 * returns the lines whose bit was 0 before (as a set: line -> true).
 */
export const DONE_BITS_LUA = `
local function unpackLines(packed)
  local lines = {}
  for k = 1, #packed, 4 do
    local a, b, c, d = string.byte(packed, k, k + 3)
    lines[#lines + 1] = ((a * 256 + b) * 256 + c) * 256 + d
  end
  return lines
end
local function markDone(key, lines)
  local sorted = {}
  for k = 1, #lines do sorted[k] = lines[k] end
  table.sort(sorted)
  local fresh = {}
  local i = 1
  while i <= #sorted do
    -- A span: lines whose bytes are at most 64 apart (a span of n lines is at most 64n bytes).
    local j = i
    while j < #sorted and math.floor(sorted[j + 1] / 8) - math.floor(sorted[j] / 8) <= 64 do j = j + 1 end
    local b0 = math.floor(sorted[i] / 8)
    local b1 = math.floor(sorted[j] / 8)
    local s = redis.call('GETRANGE', key, b0, b1)
    local bytes = {}
    for k = 1, b1 - b0 + 1 do bytes[k] = string.byte(s, k) or 0 end
    for k = i, j do
      local l = sorted[k]
      local at = math.floor(l / 8) - b0 + 1
      -- Redis numbers a bitmap's bits from the most significant bit of each byte.
      local m = 2 ^ (7 - l % 8)
      local v = bytes[at]
      if v % (m * 2) < m then
        bytes[at] = v + m
        fresh[l] = true
      end
    end
    -- string.char takes a bounded number of arguments: the span goes back in pieces of 4,000 bytes.
    local parts = {}
    for k = 1, #bytes, 4000 do parts[#parts + 1] = string.char(unpack(bytes, k, math.min(k + 3999, #bytes))) end
    redis.call('SETRANGE', key, b0, table.concat(parts))
    i = j + 1
  end
  return fresh
end
`;

/** Lines as the scripts read them: 4 bytes each, big-endian. */
export function packLines(lines: readonly number[]): Buffer {
  const buf = Buffer.allocUnsafe(lines.length * 4);
  for (let i = 0; i < lines.length; i++) buf.writeUInt32BE(lines[i] as number, i * 4);
  return buf;
}
