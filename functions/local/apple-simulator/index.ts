/**
 * The Apple simulator's public surface: start one, seed it, drive Apple-side actions and faults.
 * See `simulator.ts` for the lifecycle and `types.ts` for every type.
 */
export { CONTROLS, type Control } from './control-api.ts';
export { DEMO_SEED } from './seed.ts';
export { startAppleSimulator } from './simulator.ts';
export { SimulatorUsageError } from './state.ts';
export {
  type AppleSimulator,
  type AssetDetails,
  type AssetRef,
  type AssignTarget,
  type DeliveryAttempt,
  type DeliveryLogEntry,
  type FaultConfig,
  FaultConfigSchema,
  type FaultKind,
  type FaultRule,
  type LoggedRequest,
  type SeedInput,
  SeedInputSchema,
  type SeedResult,
  SIMULATOR_LIMITS,
  type SimulatorOptions,
  type SimulatorSnapshot,
  type SnapshotEvent,
  type SnapshotLocation,
} from './types.ts';
