/**
 * The SES sender: an identity (a domain with Easy DKIM, or a single address) and a configuration set
 * that requires TLS and suppresses bounces and complaints. Outputs what must be done outside CDK: the
 * DKIM CNAME records of a domain identity, or the verification e-mail of an address identity.
 */
import { Aws, CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import type { EmailConfig } from '../config.ts';
import type { EmailBinding } from './app-function.ts';

export interface SesSenderProps {
  readonly email: EmailConfig;
}

export class SesSender extends Construct implements EmailBinding {
  readonly sender: string;
  readonly identity: ses.EmailIdentity;
  readonly configurationSet: ses.ConfigurationSet;
  readonly identityArn: string;
  readonly configurationSetName: string;
  readonly configurationSetArn: string;

  constructor(scope: Construct, id: string, props: SesSenderProps) {
    super(scope, id);
    const { email } = props;
    this.sender = email.sender;
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSet.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.identity = new ses.EmailIdentity(this, 'Identity', {
      identity:
        email.identityKind === 'domain'
          ? ses.Identity.domain(email.identity)
          : ses.Identity.email(email.identity),
      configurationSet: this.configurationSet,
    });
    // A verified identity is worth keeping: re-verifying means DNS work or another e-mail click.
    this.identity.applyRemovalPolicy(RemovalPolicy.RETAIN);

    this.identityArn = this.identity.emailIdentityArn;
    this.configurationSetName = this.configurationSet.configurationSetName;
    this.configurationSetArn = `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:configuration-set/${this.configurationSetName}`;

    new CfnOutput(Stack.of(this), 'SesIdentity', {
      description: 'The SES identity to verify before e-mail can be sent',
      value: email.identity,
    });
    if (email.identityKind === 'domain') {
      const records = [
        [this.identity.dkimDnsTokenName1, this.identity.dkimDnsTokenValue1],
        [this.identity.dkimDnsTokenName2, this.identity.dkimDnsTokenValue2],
        [this.identity.dkimDnsTokenName3, this.identity.dkimDnsTokenValue3],
      ] as const;
      records.forEach(([name, value], i) => {
        new CfnOutput(Stack.of(this), `SesDkimRecord${i + 1}`, {
          description: `DKIM record ${i + 1} of 3 to create in ${email.identity}'s DNS (CNAME name -> value)`,
          value: `CNAME ${name} ${value}`,
        });
      });
    } else {
      new CfnOutput(Stack.of(this), 'SesVerification', {
        description: 'How to verify the sender',
        value: `Open the verification link that SES e-mails to ${email.identity}`,
      });
    }
  }
}
