package cachegate.store;

import cachegate.engine.FetchLease;
import cachegate.engine.ManualClock;

class MemoryStoreContractTest extends ResponseStoreContract<MemoryStore> {
  @Override
  MemoryStore store() {
    return new MemoryStore(64L * 1024 * 1024, new ManualClock());
  }

  @Override
  FetchLease leaseBeside(MemoryStore store) {
    return FetchLease.local(store);
  }
}
