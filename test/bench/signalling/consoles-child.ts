// The consoles of the pairing benchmark in a process of their own, as operators' browsers sit on
// their own PCs: the orchestrator's heap (seeded tokens, results) and GC stay out of every round trip.
import { type ConsolesOptions, PairingConsoles, type ScheduleOptions } from './pairing';
import { loopHandlers, memoryAfterGc, serve } from './proc';

const consoles = new PairingConsoles();

serve({
  connect: async (m) => {
    await consoles.connect(m as unknown as ConsolesOptions);
    // The presence snapshots just parsed are garbage now; collect them before the window opens.
    memoryAfterGc();
    return {};
  },
  run: async (m) => ({ result: await consoles.run(m as unknown as ScheduleOptions) }),
  ...loopHandlers(),
});
process.once('SIGTERM', () => {
  consoles.close();
  process.exit(0);
});
process.send?.({ type: 'ready' });
