import type { Command } from './command.ts';
import { activateCustomerSubscription } from './activate-customer-subscription.ts';
import { cancelHeldTransfers } from './cancel-held-transfers.ts';
import { clearHostPayoutFailure } from './clear-host-payout-failure.ts';
import { deactivateCustomerSubscription } from './deactivate-customer-subscription.ts';
import { deauthorizeHost } from './deauthorize-host.ts';
import { flagHostPayoutFailure } from './flag-host-payout-failure.ts';
import { initiateFundsTransfer } from './initiate-funds-transfer.ts';
import { recordDispute } from './record-dispute.ts';
import { recordPaymentFailure } from './record-payment-failure.ts';
import { reverseRefundedCharge } from './reverse-refunded-charge.ts';
import { updateHostOnboarding } from './update-host-onboarding.ts';

/**
 * The command for each Stripe event type; a type not listed is recorded `ignored`. Each
 * command names the endpoint it accepts; the same type through the other endpoint is
 * ignored too. Adding a command: its file, and one line here.
 */
export const commandRegistry: ReadonlyMap<string, Command> = new Map<string, Command>([
  ['customer.subscription.created', activateCustomerSubscription],
  ['customer.subscription.updated', activateCustomerSubscription],
  ['customer.subscription.deleted', deactivateCustomerSubscription],
  ['invoice.paid', initiateFundsTransfer],
  ['invoice.payment_failed', recordPaymentFailure],
  ['invoice.voided', cancelHeldTransfers],
  ['invoice.marked_uncollectible', cancelHeldTransfers],
  ['charge.refunded', reverseRefundedCharge],
  ['charge.dispute.created', recordDispute],
  ['charge.dispute.updated', recordDispute],
  ['charge.dispute.closed', recordDispute],
  ['account.updated', updateHostOnboarding],
  ['account.application.deauthorized', deauthorizeHost],
  ['payout.failed', flagHostPayoutFailure],
  ['account.external_account.updated', clearHostPayoutFailure],
]);
