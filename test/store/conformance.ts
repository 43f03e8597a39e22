/**
 * The store conformance suite: every backend runs the same tests (STYLE.md, rule 7).
 * Each test gets a fresh, migrated store from `open`.
 */
import { describe } from 'vitest';
import { aiAliasTests } from './conformance/ai-aliases.js';
import { aiConfigTests } from './conformance/ai-config.js';
import { aiProviderTests } from './conformance/ai-providers.js';
import { aiServiceTests } from './conformance/ai-services.js';
import { aiUsageTests } from './conformance/ai-usage.js';
import { callLogTests } from './conformance/call-logs.js';
import { callRollupTests } from './conformance/call-rollups.js';
import { crudTests } from './conformance/crud.js';
import { errorTests } from './conformance/errors.js';
import { useStore, type OpenStore } from './conformance/harness.js';
import { scopingTests } from './conformance/scoping.js';
import { transactionTests } from './conformance/transactions.js';

export function describeStoreConformance(name: string, open: OpenStore): void {
  describe(`store conformance: ${name}`, () => {
    const h = useStore(open);
    crudTests(h);
    errorTests(h);
    scopingTests(h);
    transactionTests(h);
    aiServiceTests(h);
    aiProviderTests(h);
    aiAliasTests(h);
    aiUsageTests(h);
    aiConfigTests(h);
    callLogTests(h);
    callRollupTests(h);
  });
}
