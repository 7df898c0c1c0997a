package cachegate.store;

import cachegate.engine.ManualClock;

class MemoryStoreContractTest extends ResponseStoreContract<MemoryStore> {
  @Override
  MemoryStore store() {
    return new MemoryStore(64L * 1024 * 1024, new ManualClock());
  }
}
