import { describe, expect, it } from 'vitest';
import { isConnectEventType } from '@pipeline/stripe-events';
import { commandRegistry } from './registry.ts';

describe('commandRegistry', () => {
  it('maps each reference event type to its command and endpoint', () => {
    const table = Object.fromEntries([...commandRegistry].map(([type, command]) => [type, `${command.name} (${command.endpoint})`]));
    expect(table).toEqual({
      'customer.subscription.created': 'ActivateCustomerSubscription (platform)',
      'customer.subscription.updated': 'ActivateCustomerSubscription (platform)',
      'customer.subscription.deleted': 'DeactivateCustomerSubscription (platform)',
      'invoice.paid': 'InitiateFundsTransfer (platform)',
      'invoice.payment_failed': 'RecordPaymentFailure (platform)',
      'invoice.voided': 'CancelHeldTransfers (platform)',
      'invoice.marked_uncollectible': 'CancelHeldTransfers (platform)',
      'charge.refunded': 'ReverseRefundedCharge (platform)',
      'charge.dispute.created': 'RecordDispute (platform)',
      'charge.dispute.updated': 'RecordDispute (platform)',
      'charge.dispute.closed': 'RecordDispute (platform)',
      'account.updated': 'UpdateHostOnboarding (connect)',
      'account.application.deauthorized': 'DeauthorizeHost (connect)',
      'payout.failed': 'FlagHostPayoutFailure (connect)',
      'account.external_account.updated': 'ClearHostPayoutFailure (connect)',
    });
  });

  it('expects each event type on the endpoint Stripe sends it to', () => {
    for (const [type, command] of commandRegistry) {
      expect(command.endpoint, type).toBe(isConnectEventType(type) ? 'connect' : 'platform');
    }
  });

  it('has nothing for an event type the platform does not act on', () => {
    expect(commandRegistry.get('charge.succeeded')).toBeUndefined();
    expect(commandRegistry.get('payout.paid')).toBeUndefined();
  });
});
