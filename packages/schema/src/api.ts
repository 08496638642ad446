/**
 * Shapes of the collector's HTTP answers, shared by the collector (which
 * produces them) and clients and tests (which read them).
 */
import type { AudienceDefinition, ComputedTraitDefinition } from './activation.js';
import type { ApiErrorCode, AudienceChangeReason, MergeReason, RejectionCode, WarningCode } from './constants.js';
import type { JsonObject, JsonValue, Message, MessageType } from './messages.js';

/** One problem with a request, naming the field by its path. */
export interface ApiIssue {
  path: (string | number)[];
  message: string;
  code?: string;
}

/** Every 4xx/5xx answer has this body. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; issues?: ApiIssue[] };
}

/** One message of a batch that was refused, and why. */
export interface RejectedMessage {
  index: number;
  messageId: string | null;
  code: RejectionCode;
  path: (string | number)[];
  message: string;
}

/** The 200 answer to an ingest request. `success` is Segment's field. */
export interface IngestResponse {
  success: true;
  /** Messages newly stored. */
  accepted: number;
  /** Messages whose messageId the source had sent before: acknowledged, not stored again. */
  duplicates: number;
  rejected: RejectedMessage[];
}

export interface EventWarning {
  code: WarningCode;
  detail: string | null;
}

/** An event as the admin API returns it: the message as stored, plus what the collector added. */
export interface StoredEvent {
  messageId: string;
  type: MessageType;
  source: string;
  receivedAt: string;
  /** The canonical profile the event belongs to, or null when unattached. */
  profileId: string | null;
  warnings: EventWarning[];
  message: Message;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface ProfileIdentifier {
  type: string;
  value: string;
  firstSeen: string;
  contested: boolean;
}

export interface ConsentState {
  [category: string]: { granted: boolean; at: string };
}

export interface Profile {
  id: string;
  identifiers: ProfileIdentifier[];
  traits: JsonObject;
  traitTimestamps: Record<string, string>;
  consent: ConsentState;
  firstSeen: string;
  lastSeen: string;
  eventCount: number;
  holdingFor: string | null;
}

/**
 * One entry of a profile's merge history: a merge (`active` until undone), the
 * record of an unmerge, or a link that was refused (`refused` names the warning code).
 */
export interface MergeRecord {
  survivor: string;
  merged: string;
  messageId: string | null;
  reason: MergeReason;
  active: boolean;
  refused: WarningCode | null;
  at: string;
}

export interface DeletionResult {
  deletionId: string;
  profiles: number;
  identifiers: number;
  events: number;
  traitWrites: number;
  consentRecords: number;
  merges: number;
  suppressed: number;
}

/** Progress of a computed trait or audience: `backfilling` while stored profiles are being (re)evaluated. */
export type DefinitionStatus = 'backfilling' | 'live';

/** What the collector adds to a stored definition. */
export interface DefinitionMeta {
  status: DefinitionStatus;
  createdAt: string;
  updatedAt: string;
}

/** A computed trait as `/v1/computed-traits` answers it. */
export type ComputedTraitResource = ComputedTraitDefinition & DefinitionMeta;

/** An audience as `/v1/audiences` answers it; `size` is its current member count. */
export type AudienceResource = AudienceDefinition & DefinitionMeta & { size: number };

/** One member of `GET /v1/audiences/{key}/members`. */
export interface AudienceMember {
  profileId: string;
  enteredAt: string;
}

/** One entry of `GET /v1/audiences/{key}/changes`: exactly one `Audience Entered` / `Audience Exited` event. */
export interface AudienceChange {
  profileId: string;
  /** Per (profile, audience), increasing by one with each change of membership. */
  seq: number;
  change: 'entered' | 'exited';
  reason: AudienceChangeReason;
  /** When the change was recorded. */
  at: string;
  /** `messageId` of the lifecycle event on the profile's timeline. */
  messageId: string;
}

/** What `GET /v1/profiles/{ref}` adds to a profile: computed traits and audience memberships. */
export interface ProfileActivation {
  computed: Record<string, JsonValue>;
  /** When the computed values were last evaluated; null before the first evaluation. */
  computedAt: string | null;
  audiences: { key: string; enteredAt: string }[];
}

/** `GET /v1/profiles/{ref}`. */
export type ProfileView = Profile & ProfileActivation;
