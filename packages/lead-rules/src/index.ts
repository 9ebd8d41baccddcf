export {
  DEALERSHIP_RULES_FILE,
  LeadRulesError,
  loadLeadRulesFile,
  parseLeadRules,
} from './loader.js';
export {
  type LeadRule,
  type LeadRules,
  type LeadThreshold,
  leadRulesSchema,
  normalizeLabel,
} from './schema.js';
export {
  byTimestamp,
  decayFactor,
  desiredLabels,
  emptyAccumulator,
  foldEvent,
  foldEvents,
  type LeadAccumulator,
  type LeadEvent,
  leadScore,
  matchRules,
  thresholdLabels,
} from './scoring.js';
