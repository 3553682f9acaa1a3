import type { TestProject } from 'vitest/node';
import { startTestPlatform, type PlatformUnderTest, type TestPlatform } from '../support/test-platform';

declare module 'vitest' {
  export interface ProvidedContext {
    platform: PlatformUnderTest;
  }
}

let platform: TestPlatform | undefined;

/** One platform for the end-to-end tests; files that stop apps start their own (test/support). */
export async function setup(project: TestProject): Promise<void> {
  platform = await startTestPlatform();
  project.provide('platform', platform.info);
}

export async function teardown(): Promise<void> {
  await platform?.stop();
}
