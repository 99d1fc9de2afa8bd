/**
 * The demo organisation local mode starts with (SPEC §7): two campuses of a school district, with apps
 * that can go to devices and apps that cannot, books, an app with only 3 licences, a free unlimited
 * app, one book held as both STDQ and PLUS, and users in every state. Tokens are issued on first start
 * and valid for a year from then. North holds volume subscriptions with renewing and expiring seats (one
 * nearly used up); South's is paused.
 */
import type { SeedAsset, SeedInput, SeedLocation } from './types.ts';

/** What both campuses share: a US school location of Apple School Manager. */
const US_SCHOOL: Pick<SeedLocation, 'countryISO2ACode' | 'defaultPlatform' | 'websiteURL'> = {
  countryISO2ACode: 'US',
  defaultPlatform: 'volumestore',
  websiteURL: 'https://school.apple.com',
};

/** Apple's Pages, which both campuses hold, each with its own count. */
function pages(totalCount: number): SeedAsset {
  return {
    adamId: '361309726',
    pricingParam: 'STDQ',
    productType: 'App',
    name: 'Pages',
    bundleId: 'com.apple.Pages',
    totalCount,
    deviceAssignable: true,
    supportedPlatforms: ['iOS', 'visionOS'],
  };
}

export const DEMO_SEED: SeedInput = {
  organizations: [
    {
      id: 'demo',
      name: 'Demo School District',
      managedAppleIdDomain: 'demo.appleaccount.example',
      locations: [
        {
          id: 'demo-north',
          name: 'North Campus',
          uId: '3300000000000101',
          ...US_SCHOOL,
          assets: [
            pages(40),
            {
              adamId: '361285480',
              pricingParam: 'STDQ',
              productType: 'App',
              name: 'Keynote',
              bundleId: 'com.apple.Keynote',
              totalCount: 40,
              deviceAssignable: true,
              supportedPlatforms: ['iOS', 'visionOS'],
            },
            {
              adamId: '1488921517',
              pricingParam: 'STDQ',
              productType: 'App',
              name: 'Prime Maths Tutor',
              bundleId: 'com.primelearning.mathstutor',
              totalCount: 3,
              deviceAssignable: true,
              supportedPlatforms: ['iOS'],
            },
            {
              adamId: '1573390011',
              pricingParam: 'STDQ',
              productType: 'App',
              name: 'Lingo Notes',
              bundleId: 'com.lingonotes.app',
              totalCount: 25,
              deviceAssignable: false,
              supportedPlatforms: ['iOS', 'macOS'],
            },
            {
              adamId: '908519492',
              pricingParam: 'STDQ',
              productType: 'App',
              name: 'Swift Playgrounds',
              bundleId: 'com.apple.playgrounds',
              unlimited: true,
              deviceAssignable: true,
              supportedPlatforms: ['iOS', 'macOS'],
            },
            {
              adamId: '395533706',
              pricingParam: 'STDQ',
              productType: 'Book',
              name: 'Frankenstein',
              totalCount: 30,
              deviceAssignable: false,
            },
            {
              adamId: '395533706',
              pricingParam: 'PLUS',
              productType: 'Book',
              name: 'Frankenstein',
              totalCount: 5,
              deviceAssignable: false,
            },
            {
              adamId: '395541574',
              pricingParam: 'STDQ',
              productType: 'Book',
              name: 'Pride and Prejudice',
              totalCount: 20,
              deviceAssignable: false,
            },
          ],
          users: [
            {
              clientUserId: 'n-0001',
              email: 'alice.martin@demo-school.example',
              managedAppleId: 'alice.martin@demo.appleaccount.example',
            },
            { clientUserId: 'n-0002', email: 'ben.okafor@demo-school.example' },
            { clientUserId: 'n-0003', email: 'carla.souza@demo-school.example' },
            { clientUserId: 'n-0004', email: 'dmitri.ivanov@demo-school.example', status: 'Retired' },
          ],
          assignments: [
            { adamId: '361309726', pricingParam: 'STDQ', serialNumber: 'C02ZK1ABMD6T' },
            { adamId: '361309726', pricingParam: 'STDQ', serialNumber: 'DMPX21N4Q1GC' },
            { adamId: '361285480', pricingParam: 'STDQ', serialNumber: 'C02ZK1ABMD6T' },
            { adamId: '1488921517', pricingParam: 'STDQ', serialNumber: 'DMPX21N4Q1GC' },
            { adamId: '1573390011', pricingParam: 'STDQ', clientUserId: 'n-0001' },
            { adamId: '395533706', pricingParam: 'STDQ', clientUserId: 'n-0001' },
            // A retired user keeps their books: books cannot be taken back.
            { adamId: '395541574', pricingParam: 'STDQ', clientUserId: 'n-0004' },
          ],
          // Volume subscriptions (apple-subscriptions.md): bought into an org unit whose MDM enabled them.
          subscriptionManagement: 'enabled',
          subscriptions: [
            {
              // Renewing and expiring seats, one user on each.
              adamId: 1600000001,
              parentAdamId: 361309726,
              name: 'Pages Pro (monthly)',
              seats: { renewing: 30, expiring: 5 },
              assignments: [
                { clientUserId: 'n-0001', renewing: true },
                { clientUserId: 'n-0002', renewing: false },
              ],
              admins: ['n-0001'],
            },
            {
              // Nearly used up: one seat of three left.
              adamId: 1600000002,
              parentAdamId: 1488921517,
              name: 'Prime Maths Tutor Premium',
              seats: { renewing: 3, expiring: 0 },
              assignments: [
                { clientUserId: 'n-0001', renewing: true },
                { clientUserId: 'n-0003', renewing: true },
              ],
            },
          ],
        },
        {
          id: 'demo-south',
          name: 'South Campus',
          uId: '3300000000000202',
          ...US_SCHOOL,
          assets: [
            pages(15),
            {
              adamId: '408709785',
              pricingParam: 'STDQ',
              productType: 'App',
              name: 'GarageBand',
              bundleId: 'com.apple.mobilegarageband',
              totalCount: 10,
              deviceAssignable: true,
              supportedPlatforms: ['iOS'],
            },
            {
              adamId: '1488921517',
              pricingParam: 'STDQ',
              productType: 'App',
              name: 'Prime Maths Tutor',
              bundleId: 'com.primelearning.mathstutor',
              totalCount: 5,
              deviceAssignable: true,
              supportedPlatforms: ['iOS'],
            },
            {
              adamId: '1212699939',
              pricingParam: 'STDQ',
              productType: 'App',
              name: 'Clips',
              bundleId: 'com.apple.clips',
              unlimited: true,
              deviceAssignable: true,
              supportedPlatforms: ['iOS'],
            },
            {
              adamId: '395540862',
              pricingParam: 'STDQ',
              productType: 'Book',
              name: "Alice's Adventures in Wonderland",
              totalCount: 15,
              deviceAssignable: false,
            },
          ],
          users: [
            {
              clientUserId: 's-0001',
              email: 'emma.lindqvist@demo-school.example',
              managedAppleId: 'emma.lindqvist@demo.appleaccount.example',
            },
            { clientUserId: 's-0002', email: 'farid.haddad@demo-school.example' },
          ],
          assignments: [
            { adamId: '408709785', pricingParam: 'STDQ', serialNumber: 'F9FXK3ABHG7F' },
            { adamId: '395540862', pricingParam: 'STDQ', clientUserId: 's-0001' },
          ],
          subscriptionManagement: 'enabled',
          subscriptions: [
            {
              // Paused by Apple: listed, its seat kept, no new assignment (9811).
              adamId: 1600000003,
              parentAdamId: 1212699939,
              name: 'Clips Studio',
              status: 'PAUSED',
              seats: { renewing: 10, expiring: 0 },
              assignments: [{ clientUserId: 's-0001', renewing: true }],
            },
          ],
        },
      ],
    },
  ],
};
