/**
 * The data model of Apple's App and Book Management API v2, as zod schemas. The client validates every
 * answer with them (unknown fields are tolerated, a missing required field is an error naming it) and
 * the simulator validates requests with them. Source: apple-vpp-api.md §3–§9.
 */
import * as z from 'zod';

/** Apple sends `adamId` as a string; some tools send numbers. Both become the string. */
const AdamId = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String);

export const PricingParamSchema = z.enum(['STDQ', 'PLUS']);
export type PricingParam = z.infer<typeof PricingParamSchema>;

export const ProductTypeSchema = z.enum(['App', 'Book']);
export type ProductType = z.infer<typeof ProductTypeSchema>;

export const AssetKeySchema = z.object({ adamId: AdamId, pricingParam: PricingParamSchema });
export type AssetKey = z.infer<typeof AssetKeySchema>;

export const MdmInfoSchema = z.object({ id: z.string(), name: z.string(), metadata: z.string() });
export type MdmInfo = z.infer<typeof MdmInfoSchema>;

/** Fields every authenticated answer may carry (§2.4). */
export const ResponseMetaShape = {
  uId: z.string().optional(),
  tokenExpirationDate: z.string().optional(),
  mdmInfo: MdmInfoSchema.optional(),
};
export const ResponseMetaSchema = z.object(ResponseMetaShape);
export type ResponseMeta = z.infer<typeof ResponseMetaSchema>;

export const ErrorInfoSchema = z.object({
  assets: z.array(z.object({ adamId: AdamId, pricingParam: PricingParamSchema.optional() })).optional(),
  clientUserIds: z.array(z.string()).optional(),
  serialNumbers: z.array(z.string()).optional(),
});

export const ErrorResponseSchema = z.object({
  errorNumber: z.number().int(),
  errorMessage: z.string().optional(),
  errorInfo: ErrorInfoSchema.optional(),
});
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

// --- service/config (§3) ---------------------------------------------------------------------------

export const ServiceConfigSchema = z.object({
  errorCodes: z.array(z.object({ errorNumber: z.number().int(), errorMessage: z.string() })).default([]),
  limits: z.record(z.string(), z.number()),
  notificationTypes: z.array(z.string()).default([]),
  urls: z.record(z.string(), z.string()),
});
export type ServiceConfig = z.infer<typeof ServiceConfigSchema>;

// --- client/config (§4) ----------------------------------------------------------------------------

export const NotificationTypeSchema = z.enum([
  'TEST_NOTIFICATION',
  'ASSET_MANAGEMENT',
  'USER_MANAGEMENT',
  'USER_ASSOCIATED',
  'ASSET_COUNT',
  'SUBSCRIPTION_MANAGEMENT',
  'SUBSCRIPTION_COUNT',
  'UNLIMITED_ASSET',
]);
export type NotificationType = z.infer<typeof NotificationTypeSchema>;

export const ClientConfigRequestSchema = z.object({
  mdmInfo: z
    .object({ id: z.string().optional(), name: z.string().optional(), metadata: z.string().optional() })
    .optional(),
  notificationUrl: z.string().optional(),
  notificationAuthToken: z.string().optional(),
  notificationTypes: z.array(NotificationTypeSchema).optional(),
});
export type ClientConfigRequest = z.infer<typeof ClientConfigRequestSchema>;

export const ClientConfigSchema = z.object({
  ...ResponseMetaShape,
  uId: z.string(),
  countryISO2ACode: z.string().optional(),
  defaultPlatform: z.string().optional(),
  locationName: z.string().optional(),
  notificationAuthToken: z.string().optional(),
  notificationUrl: z.string().optional(),
  subscribedNotificationTypes: z.array(z.string()).optional(),
  websiteURL: z.string().optional(),
});
export type ClientConfig = z.infer<typeof ClientConfigSchema>;

// --- paged reads (§5.1, §5.2, §6.1, §7) ------------------------------------------------------------

export const PageShape = {
  ...ResponseMetaShape,
  currentPageIndex: z.number().int(),
  nextPageIndex: z.number().int().optional(),
  size: z.number().int(),
  totalPages: z.number().int(),
  versionId: z.string(),
};

export const ResponseAssetSchema = z.object({
  adamId: AdamId,
  pricingParam: PricingParamSchema,
  productType: ProductTypeSchema,
  assignedCount: z.number().int(),
  availableCount: z.number().int(),
  retiredCount: z.number().int().default(0),
  totalCount: z.number().int(),
  deviceAssignable: z.boolean(),
  revocable: z.boolean(),
  supportedPlatforms: z.array(z.string()).default([]),
});
export type ResponseAsset = z.infer<typeof ResponseAssetSchema>;

export const GetAssetsResponseSchema = z.object({ ...PageShape, assets: z.array(ResponseAssetSchema) });
export type GetAssetsResponse = z.infer<typeof GetAssetsResponseSchema>;

export const UserStatusSchema = z.enum(['Registered', 'Associated', 'Retired', 'Deleted']);
export type AppleUserStatus = z.infer<typeof UserStatusSchema>;

export const AssignmentSchema = z
  .object({
    adamId: AdamId,
    pricingParam: PricingParamSchema,
    serialNumber: z.string().optional(),
    clientUserId: z.string().optional(),
    userStatus: UserStatusSchema.optional(),
    idHash: z.string().optional(),
  })
  .refine((a) => (a.serialNumber === undefined) !== (a.clientUserId === undefined), {
    message: 'an assignment names exactly one of serialNumber and clientUserId',
  });
export type Assignment = z.infer<typeof AssignmentSchema>;

export const GetAssignmentsResponseSchema = z.object({
  ...PageShape,
  assignments: z.array(AssignmentSchema),
});
export type GetAssignmentsResponse = z.infer<typeof GetAssignmentsResponseSchema>;

export const ResponseUserSchema = z.object({
  clientUserId: z.string(),
  email: z.string().optional(),
  idHash: z.string().optional(),
  inviteCode: z.string().optional(),
  status: UserStatusSchema,
});
export type ResponseUser = z.infer<typeof ResponseUserSchema>;

export const GetUsersResponseSchema = z.object({ ...PageShape, users: z.array(ResponseUserSchema) });
export type GetUsersResponse = z.infer<typeof GetUsersResponseSchema>;

// --- asynchronous writes (§5.3, §5.4, §6.2, §9.1) --------------------------------------------------

export const ManageAssetsRequestSchema = z.object({
  assets: z.array(AssetKeySchema),
  clientUserIds: z.array(z.string()).optional(),
  serialNumbers: z.array(z.string()).optional(),
});
export type ManageAssetsRequest = z.infer<typeof ManageAssetsRequestSchema>;

export const RevokeAssetsRequestSchema = z.object({
  clientUserIds: z.array(z.string()).optional(),
  serialNumbers: z.array(z.string()).optional(),
});
export type RevokeAssetsRequest = z.infer<typeof RevokeAssetsRequestSchema>;

export const RequestUserSchema = z.object({
  clientUserId: z.string(),
  email: z.string().optional(),
  managedAppleId: z.string().optional(),
});
export type RequestUser = z.infer<typeof RequestUserSchema>;

export const ManageUsersRequestSchema = z.object({ users: z.array(RequestUserSchema) });
export type ManageUsersRequest = z.infer<typeof ManageUsersRequestSchema>;

export const EventResponseSchema = z.object({ ...ResponseMetaShape, eventId: z.string().min(1) });
export type EventResponse = z.infer<typeof EventResponseSchema>;

export const EventTypeSchema = z.enum(['ASSOCIATE', 'DISASSOCIATE', 'REVOKE', 'CREATE', 'UPDATE', 'RETIRE']);
export type EventType = z.infer<typeof EventTypeSchema>;

export const StatusResponseSchema = z.object({
  ...ResponseMetaShape,
  /** Not in Apple's documented answer; checked against the id asked when an Apple sends it. */
  eventId: z.string().optional(),
  eventStatus: z.enum(['PENDING', 'COMPLETE', 'FAILED']),
  eventType: EventTypeSchema,
  numRequested: z.number().int(),
  numCompleted: z.number().int(),
  failures: z.array(ErrorResponseSchema).optional(),
});
export type StatusResponse = z.infer<typeof StatusResponseSchema>;

// --- volume subscriptions (apple-subscriptions.md) ------------------------------------------------

/**
 * Apple sends a subscription's `adamId` and `parentAdamId` as JSON integers (unlike an asset's, a
 * string); the service keeps every id as its decimal string, converted here, at the edge.
 */
const SubscriptionAdamId = z
  .union([z.number().int().positive(), z.string().regex(/^\d+$/)])
  .transform(String);

export const SubscriptionStatusSchema = z.enum(['ACTIVE', 'INACTIVE', 'PAUSED']);
export type SubscriptionStatus = z.infer<typeof SubscriptionStatusSchema>;

/** `{renewing, expiring}`: seats (or assignments) that renew at the period's end, and those that end then. */
export const SeatCountsSchema = z.object({ renewing: z.number().int(), expiring: z.number().int() });
export type SeatCounts = z.infer<typeof SeatCountsSchema>;

export const SubscriptionCountsSchema = z.object({
  assigned: SeatCountsSchema,
  available: SeatCountsSchema,
  total: SeatCountsSchema,
});
export type SubscriptionCounts = z.infer<typeof SubscriptionCountsSchema>;

/** Cursor paging (§3): `nextCursor` absent on the last page; no page index, no `sinceVersionId`. */
export const CursorPageShape = {
  ...ResponseMetaShape,
  nextCursor: z.string().min(1).optional(),
  versionId: z.string(),
};

export const ResponseSubscriptionSchema = z.object({
  /** Apple: "can be null" (Aug18). */
  parentAdamId: SubscriptionAdamId.nullable().default(null),
  adamId: SubscriptionAdamId,
  /** Absent from Apple's earliest pages and from the Get Subscriptions example. */
  status: SubscriptionStatusSchema.optional(),
  /** `YYYY-MM-DD`, the end of the current billing period. */
  periodEndDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  counts: SubscriptionCountsSchema,
});
export type ResponseSubscription = z.infer<typeof ResponseSubscriptionSchema>;

export const GetSubscriptionsResponseSchema = z.object({
  ...CursorPageShape,
  subscriptions: z.array(ResponseSubscriptionSchema),
});

export const SubscriptionAssignmentSchema = z.object({
  adamId: SubscriptionAdamId,
  clientUserId: z.string().min(1),
  /** True: renews at the end of the period; false: ends then. */
  renewing: z.boolean(),
});
export type SubscriptionAssignment = z.infer<typeof SubscriptionAssignmentSchema>;

export const GetSubscriptionAssignmentsResponseSchema = z.object({
  ...CursorPageShape,
  assignments: z.array(SubscriptionAssignmentSchema),
});

export const SubscriptionAdminSchema = z.object({
  adamId: SubscriptionAdamId,
  clientUserId: z.string().min(1),
  idHash: z.string().optional(),
  /** Only with `includeUserState=true`. */
  userStatus: UserStatusSchema.optional(),
});
export type SubscriptionAdmin = z.infer<typeof SubscriptionAdminSchema>;

export const GetSubscriptionAdminsResponseSchema = z.object({
  ...CursorPageShape,
  admins: z.array(SubscriptionAdminSchema),
});

/** `POST subscriptions/enable` and `disable` (§2.1): the state Apple recorded; `mdmInfo` may be `null`. */
export const SubscriptionManagementResponseSchema = z.object({
  ...ResponseMetaShape,
  mdmInfo: MdmInfoSchema.nullable()
    .optional()
    .transform((m) => m ?? undefined),
  subscriptionManagement: z.boolean(),
});
export type SubscriptionManagementResponse = ResponseMeta & { readonly subscriptionManagement: boolean };

/** `POST subscriptions/admins/add` and `remove`: synchronous, no event. */
export const ManageSubscriptionAdminsResponseSchema = z.object({
  ...ResponseMetaShape,
  versionId: z.string().optional(),
});

/** What the service asks of `subscriptions/associate` (`renewing`) or `disassociate` (`deferred`), ids as text. */
export interface ManageSubscriptionsRequest {
  readonly adamIds: readonly string[];
  readonly clientUserIds: readonly string[];
  /** Associate: renewing seats (true) or expiring ones (false); always sent. */
  readonly renewing?: boolean;
  /** Disassociate: at the end of the billing period (true) or now (false); always sent. */
  readonly deferred?: boolean;
}

// --- notifications (§9.3) --------------------------------------------------------------------------

const NotificationEnvelopeShape = { notificationId: z.string().min(1), uId: z.string().optional() };

export const NotificationSchema = z.discriminatedUnion('notificationType', [
  z.object({
    ...NotificationEnvelopeShape,
    notificationType: z.literal('TEST_NOTIFICATION'),
    notification: z.object({}).optional(),
  }),
  z.object({
    ...NotificationEnvelopeShape,
    notificationType: z.literal('ASSET_COUNT'),
    notification: z.object({
      adamId: AdamId,
      pricingParam: PricingParamSchema,
      countDelta: z.number().int(),
    }),
  }),
  z.object({
    ...NotificationEnvelopeShape,
    notificationType: z.literal('ASSET_MANAGEMENT'),
    notification: z.object({
      type: z.enum(['ASSOCIATE', 'DISASSOCIATE', 'REVOKE']),
      result: z.enum(['SUCCESS', 'FAILURE']),
      eventId: z.string(),
      assignments: z.array(AssignmentSchema).default([]),
      error: ErrorResponseSchema.optional(),
    }),
  }),
  z.object({
    ...NotificationEnvelopeShape,
    notificationType: z.literal('USER_MANAGEMENT'),
    notification: z.object({
      type: z.enum(['CREATE', 'UPDATE', 'RETIRE']),
      result: z.enum(['SUCCESS', 'FAILURE']),
      eventId: z.string(),
      users: z.array(ResponseUserSchema).default([]),
      error: ErrorResponseSchema.optional(),
    }),
  }),
  z.object({
    ...NotificationEnvelopeShape,
    notificationType: z.literal('USER_ASSOCIATED'),
    notification: z.object({ associatedUsers: z.array(ResponseUserSchema) }),
  }),
  z.object({
    ...NotificationEnvelopeShape,
    notificationType: z.literal('SUBSCRIPTION_COUNT'),
    /** Absolute counts (not deltas), without `assigned` (apple-subscriptions.md §4.1). */
    notification: z.object({
      parentAdamId: SubscriptionAdamId.nullable().default(null),
      adamId: SubscriptionAdamId,
      counts: z.object({ available: SeatCountsSchema, total: SeatCountsSchema }),
    }),
  }),
  z.object({
    ...NotificationEnvelopeShape,
    notificationType: z.literal('SUBSCRIPTION_MANAGEMENT'),
    /** A deferred disassociation's arrives at the end of the billing period (§4.2). */
    notification: z.object({
      type: z.enum(['ASSOCIATE', 'DISASSOCIATE']),
      result: z.enum(['SUCCESS', 'FAILURE']),
      eventId: z.string(),
      assignments: z.array(SubscriptionAssignmentSchema).default([]),
      error: ErrorResponseSchema.optional(),
    }),
  }),
]);
export type AppleNotification = z.infer<typeof NotificationSchema>;
