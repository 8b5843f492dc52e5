/** Obviously fake signing secrets, made for this bench only. */
export const benchSecrets = {
  platform: 'whsec_test_platform_bench_0123456789abcdef',
  connect: 'whsec_test_connect_bench_0123456789abcdef',
  stripeKey: 'sk_test_fake_bench_worker_key',
} as const;
