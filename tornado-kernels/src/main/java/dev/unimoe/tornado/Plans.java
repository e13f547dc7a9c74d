package dev.unimoe.tornado;

import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;

/** Running a TornadoVM plan many times over a long session. */
final class Plans {
    private Plans() {}

    /**
     * Executes graph {@code graph} of the plan. A plain {@code execute()} appends every result to a
     * list the plan keeps for its whole life (TornadoVM 5.2), a slow leak in a long-running app;
     * through {@code withGraph} the result stays with a node that the next call replaces.
     */
    static TornadoExecutionResult execute(TornadoExecutionPlan plan, int graph) {
        return plan.withGraph(graph).execute();
    }
}
