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
]);
export type AppleNotification = z.infer<typeof NotificationSchema>;
