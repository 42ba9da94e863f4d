export default async function globalTeardown(): Promise<void> {
  const infra = globalThis.__passerelleInfra;
  await Promise.allSettled([infra?.kafka?.stop(), infra?.postgres?.stop()]);
}
