/**
 * @module @openvpn3-ts/testkit
 * Test harness: private system-like bus, service processes, network-namespace lab with a stock
 * OpenVPN 2.6 server. See README.md for usage.
 */
export { startBus, DEFAULT_POLICY_DIR, type StartBusOptions, type TestBus } from './bus.js'
export { renderBusConfig, type BusConfigInput } from './busconfig.js'
export { waitForBusName } from './bus-names.js'
export {
  startProcess,
  buildCommand,
  type StartProcessOptions,
  type TestProcess,
} from './process.js'
export {
  testUsers,
  lookupUser,
  primaryGid,
  NOBODY,
  type TestUsers,
  type UnixUser,
} from './users.js'
export { runCommand, type CommandResult, type RunCommandOptions } from './exec.js'
export {
  registerCleanup,
  runAllCleanupSync,
  isAlive,
  killSync,
  type CleanupStep,
} from './cleanup.js'
export { pollUntil, withTimeout, settleWithin, delay, waitForExit, type ExitInfo } from './wait.js'
export { REPO_ROOT } from './paths.js'
export {
  TestkitTimeoutError,
  ProcessExitedError,
  CommandFailedError,
  BusStartError,
  LabSetupError,
} from './errors.js'
export {
  startServiceStack,
  SERVICE_NAMES,
  SERVICE_ENTRIES,
  type ServiceName,
  type ServiceStack,
  type StackPaths,
  type StartServiceStackOptions,
} from './stack.js'
export { startStockClient, type StockClientOptions } from './stock-client.js'
export {
  startLab,
  parseTunDevices,
  IPERF_PORT,
  type StartLabOptions,
  type Lab,
  type IperfServer,
} from './lab.js'
export { LAB_BASE_PORT, type LabServer } from './lab-server.js'
export { managementCommand, parseClientList, type ServerClient } from './management.js'
export {
  renderServerConfig,
  renderClientProfile,
  renderAuthScript,
  LAB_USERNAME,
  LAB_PASSWORD,
  LAB_CHALLENGE_RESPONSE,
  LAB_CHALLENGE_TEXT,
  LAB_DATA_CIPHERS,
  type ServerSpec,
  type ServerKind,
} from './lab-server-config.js'
export {
  SERVER_ADDR,
  CLIENT_ADDR,
  listNamespacesSync,
  namespacePidsSync,
  type Topology,
} from './netns.js'
export {
  pkiMaterial,
  writePki,
  PKI_FILES,
  SERVER_NAME,
  type LabPki,
  type PkiMaterial,
  type PkiRole,
} from './pki.js'
