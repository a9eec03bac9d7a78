export async function benchIngest(): Promise<void> {}
