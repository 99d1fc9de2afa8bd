/**
 * Which devices an asset can go to by platform (SPEC §3: a device's `platform`; Apple's asset
 * `supportedPlatforms`, reference §5.1). Device platforms are read as Apple names them, case-insensitive:
 * `iOS` (an `iPadOS` device counts as `iOS`, as Apple lists iPad apps under it), `macOS`, `tvOS`,
 * `watchOS`, `visionOS`. A device with no platform or another one, and an asset whose platforms Apple
 * did not list, are not checked: the rule only refuses what is known not to fit.
 */

export const APPLE_PLATFORMS = ['iOS', 'macOS', 'tvOS', 'watchOS', 'visionOS'] as const;
export type ApplePlatform = (typeof APPLE_PLATFORMS)[number];

const BY_NAME = new Map<string, ApplePlatform>([
  ...APPLE_PLATFORMS.map((p) => [p.toLowerCase(), p] as const),
  ['ipados', 'iOS'],
]);

/** Apple's name of a platform as a caller or Apple wrote it, or undefined when it is none of them. */
export function applePlatform(name: string | undefined): ApplePlatform | undefined {
  return name === undefined ? undefined : BY_NAME.get(name.trim().toLowerCase());
}

export const PLATFORM_UNSUPPORTED = 'device.platform_unsupported';

/**
 * Why a device of this platform cannot take an asset supporting these platforms, or undefined when it
 * can or nothing is known (no platform, one we do not know, or an asset listing none).
 */
export function platformRefusal(
  supportedPlatforms: readonly string[],
  devicePlatform: string | undefined,
): { code: typeof PLATFORM_UNSUPPORTED; reason: string } | undefined {
  const device = applePlatform(devicePlatform);
  const supported = [
    ...new Set(supportedPlatforms.map(applePlatform).filter((p): p is ApplePlatform => p !== undefined)),
  ];
  if (!device || supported.length === 0 || supported.includes(device)) return undefined;
  return {
    code: PLATFORM_UNSUPPORTED,
    reason: `This asset runs on ${supported.join(', ')}; the device's platform is ${devicePlatform?.trim()}.`,
  };
}
