/**
 * Which devices an asset can go to by platform (shared/domain/platform.ts): device platforms read as
 * Apple names them, case-insensitive, iPadOS counted as iOS; no platform, an unknown one, or an asset
 * listing none: not checked.
 */
import { describe, expect, it } from 'vitest';
import { applePlatform, platformRefusal } from '../../../shared/domain/platform.ts';

describe('applePlatform', () => {
  it.each([
    ['iOS', 'iOS'],
    ['ios', 'iOS'],
    [' IOS ', 'iOS'],
    ['iPadOS', 'iOS'],
    ['ipados', 'iOS'],
    ['macOS', 'macOS'],
    ['MACOS', 'macOS'],
    ['tvos', 'tvOS'],
    ['watchOS', 'watchOS'],
    ['VisionOS', 'visionOS'],
  ])('reads %j as %s', (raw, name) => {
    expect(applePlatform(raw)).toBe(name);
  });

  it.each([['android'], ['Mac OS X'], ['volumestore'], [''], ['constructor'], ['__proto__']])(
    'knows no platform %j',
    (raw) => {
      expect(applePlatform(raw)).toBeUndefined();
    },
  );

  it('knows none when there is none', () => {
    expect(applePlatform(undefined)).toBeUndefined();
  });
});

describe('platformRefusal', () => {
  it('refuses a macOS device an iOS and visionOS app, naming both sides', () => {
    expect(platformRefusal(['iOS', 'visionOS'], 'macOS')).toEqual({
      code: 'device.platform_unsupported',
      reason: "This asset runs on iOS, visionOS; the device's platform is macOS.",
    });
  });

  it.each([
    ['an iOS device, iOS app', ['iOS'], 'iOS'],
    ['an iPadOS device, iOS app', ['iOS'], 'iPadOS'],
    ['a lower-case macos device, macOS app', ['iOS', 'macOS'], 'macos'],
    ['a device without platform', ['iOS'], undefined],
    ['a device of a platform Apple does not name', ['iOS'], 'android'],
    ['an asset Apple listed no platform for', [], 'macOS'],
    ['an asset listing only names we do not know', ['carOS'], 'macOS'],
  ] as const)('lets %s through', (_, supported, platform) => {
    expect(platformRefusal(supported, platform)).toBeUndefined();
  });

  it('refuses an iPadOS device a macOS-only app', () => {
    expect(platformRefusal(['macOS'], 'iPadOS')?.code).toBe('device.platform_unsupported');
  });
});
