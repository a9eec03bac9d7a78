/**
 * UpdateContactAttributes cannot update contacts that started before the API was
 * released (2018-09-12): such rows are never sent. Rows without a timestamp are
 * sent; the service answers for them.
 */
export function startedBeforeApi(initiationTimestamp: number | undefined, minContactDate: number): boolean {
  return initiationTimestamp !== undefined && initiationTimestamp < minContactDate;
}

export function preApiMessage(line: number, initiationTimestamp: number, minContactDate: number): string {
  return `line ${line}: contact started ${new Date(initiationTimestamp).toISOString()}, before ${new Date(minContactDate).toISOString()} when UpdateContactAttributes became available; not sent`;
}
