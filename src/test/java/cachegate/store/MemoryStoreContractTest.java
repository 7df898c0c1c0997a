package cachegate.store;

import cachegate.engine.ManualClock;
import cachegate.engine.ResponseStore;

class MemoryStoreContractTest extends ResponseStoreContract {
  @Override
  ResponseStore store() {
    return new MemoryStore(64L * 1024 * 1024, new ManualClock());
  }
}
