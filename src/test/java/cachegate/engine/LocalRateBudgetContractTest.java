package cachegate.engine;

/** The in-process budget keeps the contract; its "peer" is itself (one instance). */
class LocalRateBudgetContractTest extends RateBudgetContract {
  private final LocalRateBudget budget = new LocalRateBudget(LIMIT, new ManualClock());

  @Override
  protected RateBudget budget() {
    return budget;
  }

  @Override
  protected RateBudget peer() {
    return budget;
  }
}
