export { currentScope, noteRequest, noteResend, noteThrottle, type OperationScope } from './scope.ts';
export { installMetricsMiddleware, isThrottling } from './middleware.ts';
export {
  OperationObserver,
  tracingActive,
  type ConsumedCapacity,
  type OperationEvent,
  type OperationInfo,
  type OperationListener,
  type OperationName,
} from './observer.ts';
export { OperationStats, type OperationSummaryRow } from './stats.ts';
