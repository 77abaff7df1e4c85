/**
 * PayPal's state and rules, without HTTP: orders the payer approves on the hosted page and the
 * merchant captures, payout batches whose items settle later, and the transaction report that
 * lists every movement of money with signed amounts (for reconciliation).
 */
import { paypalId } from './ids.js';
import { isoTime, notFound, PayPalError, toCents, toValue, unprocessable, type OrderInput, type PayoutInput } from './paypal-wire.js';
import type { Scheduler } from './scheduler.js';

export type PayPalEventType =
  | 'CHECKOUT.ORDER.APPROVED'
  | 'PAYMENT.CAPTURE.COMPLETED'
  | 'PAYMENT.CAPTURE.DENIED'
  | 'PAYMENT.PAYOUTS-ITEM.SUCCEEDED'
  | 'PAYMENT.PAYOUTS-ITEM.FAILED'
  | 'PAYMENT.PAYOUTS-ITEM.RETURNED';

interface Link {
  href: string;
  rel: string;
  method: 'GET' | 'POST';
}

export interface Capture {
  id: string;
  status: 'COMPLETED' | 'DECLINED';
  amount: { currency_code: 'USD'; value: string };
  custom_id?: string;
  invoice_id?: string;
  final_capture: true;
  create_time: string;
  update_time: string;
  supplementary_data: { related_ids: { order_id: string } };
  links: Link[];
}

export interface Order {
  id: string;
  intent: 'CAPTURE';
  status: 'PAYER_ACTION_REQUIRED' | 'APPROVED' | 'COMPLETED';
  purchase_units: Array<OrderInput['purchase_units'][number] & { reference_id: string; payments?: { captures: Capture[] } }>;
  payer?: { email_address: string; payer_id: string };
  payment_source: { paypal: { email_address?: string; account_id?: string } };
  create_time: string;
  update_time: string;
  links: Link[];
}

export interface PayoutItem {
  payout_item_id: string;
  transaction_id: string | null;
  transaction_status: 'PENDING' | 'SUCCESS' | 'FAILED' | 'RETURNED';
  payout_batch_id: string;
  payout_item_fee: { currency: 'USD'; value: '0.00' };
  payout_item: { recipient_type: 'EMAIL'; amount: { value: string; currency: 'USD' }; receiver: string; sender_item_id?: string; note?: string };
  time_processed: string | null;
  errors?: { name: string; message: string };
  links: Link[];
}

export interface PayoutBatch {
  batch_header: {
    payout_batch_id: string;
    batch_status: 'PENDING' | 'PROCESSING' | 'SUCCESS';
    time_created: string;
    time_completed: string | null;
    sender_batch_header: PayoutInput['sender_batch_header'];
    amount: { currency: 'USD'; value: string };
    fees: { currency: 'USD'; value: '0.00' };
  };
  items: PayoutItem[];
  links: Link[];
}

/**
 * One line of the transaction report. Codes: T0006 a checkout capture (+), T0001 a payout item
 * (−, debited when the batch is created), T1106 the money of a payout item that failed or was
 * returned coming back (+). The amounts of all lines add up to the balance.
 */
export interface ReportLine {
  transaction_info: {
    transaction_id: string;
    paypal_reference_id?: string;
    transaction_event_code: 'T0006' | 'T0001' | 'T1106';
    transaction_initiation_date: string;
    transaction_updated_date: string;
    transaction_amount: { currency_code: 'USD'; value: string };
    transaction_status: 'S' | 'P';
    custom_field?: string;
    invoice_id?: string;
  };
  payer_info?: { email_address: string };
}

export interface PayPalServiceDeps {
  now: () => number;
  scheduler: Scheduler;
  payoutMs: number;
  /** The public URL of `/paypal`. */
  baseUrl: string;
  emit(type: PayPalEventType, resourceType: 'checkout-order' | 'capture' | 'payouts_item', summary: string, resource: object): void;
}

/** How a receiver's payouts end: the spec's sandbox accounts. */
function receiverBehaviour(email: string): 'paid' | 'failed' | 'silent' {
  const lower = email.toLowerCase();
  if (lower.includes('fail')) return 'failed';
  if (lower.includes('silent')) return 'silent';
  return 'paid';
}

/** PayPal's whole state; every method is one operation of the spec. */
export class PayPalService {
  private readonly orders = new Map<string, Order>();
  private readonly experience = new Map<string, { returnUrl: string; cancelUrl: string }>();
  private readonly batches = new Map<string, PayoutBatch>();
  private readonly items = new Map<string, PayoutItem>();
  private readonly senderBatchIds = new Set<string>();
  private readonly report: ReportLine[] = [];

  constructor(private readonly deps: PayPalServiceDeps) {}

  private time(): string {
    return isoTime(this.deps.now());
  }

  createOrder(input: OrderInput): Order {
    const id = paypalId(17);
    const time = this.time();
    const units = input.purchase_units.map((unit) => ({ ...unit, reference_id: unit.reference_id ?? 'default' }));
    const order: Order = { id, intent: 'CAPTURE', status: 'PAYER_ACTION_REQUIRED', purchase_units: units, payment_source: { paypal: {} }, create_time: time, update_time: time, links: [] };
    const context = input.payment_source.paypal.experience_context;
    this.experience.set(id, { returnUrl: context.return_url, cancelUrl: context.cancel_url });
    this.orders.set(id, order);
    return this.withLinks(order);
  }

  order(id: string): Order {
    const order = this.orders.get(id);
    if (!order) throw notFound(`order ${id}`);
    return this.withLinks(order);
  }

  private withLinks(order: Order): Order {
    const self = `${this.deps.baseUrl}/v2/checkout/orders/${order.id}`;
    const links: Link[] = [{ href: self, rel: 'self', method: 'GET' }];
    if (order.status === 'PAYER_ACTION_REQUIRED') links.push({ href: `${this.deps.baseUrl}/checkoutnow?token=${order.id}`, rel: 'payer-action', method: 'GET' });
    if (order.status === 'APPROVED') links.push({ href: `${self}/capture`, rel: 'capture', method: 'POST' });
    order.links = links;
    return order;
  }

  /** The approval page's Approve: the order is the payer's to capture. Answers where to send them. */
  approve(order: Order, email: string): string {
    if (order.status !== 'PAYER_ACTION_REQUIRED') throw unprocessable('ORDER_ALREADY_APPROVED', `Order ${order.id} is ${order.status}.`);
    const payer = { email_address: email, payer_id: paypalId(13) };
    Object.assign(order, { status: 'APPROVED', payer, payment_source: { paypal: { email_address: email, account_id: payer.payer_id } }, update_time: this.time() });
    this.deps.emit('CHECKOUT.ORDER.APPROVED', 'checkout-order', `An order has been approved by buyer`, this.withLinks(order));
    const back = new URL(this.experience.get(order.id)!.returnUrl);
    back.searchParams.set('token', order.id);
    back.searchParams.set('PayerID', payer.payer_id);
    return back.toString();
  }

  /** The approval page's Cancel: nothing changes; answers where to send the payer. */
  cancelUrl(order: Order): string {
    const back = new URL(this.experience.get(order.id)!.cancelUrl);
    back.searchParams.set('token', order.id);
    return back.toString();
  }

  /** Captures an approved order: a payer whose email contains "decline" is declined. */
  capture(id: string): Order {
    const order = this.order(id);
    if (order.status === 'COMPLETED') throw unprocessable('ORDER_ALREADY_CAPTURED', 'Order already captured. If intent=CAPTURE only one capture per order is allowed.');
    if (order.status !== 'APPROVED' || !order.payer) throw unprocessable('ORDER_NOT_APPROVED', 'Payer has not yet approved the Order for payment.');
    const unit = order.purchase_units[0]!;
    const declined = order.payer.email_address.toLowerCase().includes('decline');
    const time = this.time();
    const captureId = paypalId(17);
    const capture: Capture = {
      id: captureId, status: declined ? 'DECLINED' : 'COMPLETED', amount: unit.amount, final_capture: true, create_time: time, update_time: time,
      ...(unit.custom_id !== undefined && { custom_id: unit.custom_id }), ...(unit.invoice_id !== undefined && { invoice_id: unit.invoice_id }),
      supplementary_data: { related_ids: { order_id: order.id } }, links: [{ href: `${this.deps.baseUrl}/v2/payments/captures/${captureId}`, rel: 'self', method: 'GET' }],
    };
    unit.payments = { captures: [capture] };
    Object.assign(order, { status: 'COMPLETED', update_time: time });
    if (declined) {
      this.deps.emit('PAYMENT.CAPTURE.DENIED', 'capture', `Payment denied for $ ${unit.amount.value} USD`, capture);
    } else {
      this.addLine({ id: capture.id, code: 'T0006', cents: toCents(unit.amount.value), status: 'S', custom: unit.custom_id, invoice: unit.invoice_id, email: order.payer.email_address });
      this.deps.emit('PAYMENT.CAPTURE.COMPLETED', 'capture', `Payment completed for $ ${unit.amount.value} USD`, capture);
    }
    return this.withLinks(order);
  }

  private addLine(line: { id: string; code: ReportLine['transaction_info']['transaction_event_code']; cents: number; status: 'S' | 'P'; reference?: string; custom?: string | undefined; invoice?: string | undefined; email?: string }): ReportLine {
    const time = this.time();
    const entry: ReportLine = {
      transaction_info: {
        transaction_id: line.id, transaction_event_code: line.code, transaction_initiation_date: time, transaction_updated_date: time,
        transaction_amount: { currency_code: 'USD', value: toValue(line.cents) }, transaction_status: line.status,
        ...(line.reference !== undefined && { paypal_reference_id: line.reference }),
        ...(line.custom !== undefined && { custom_field: line.custom }), ...(line.invoice !== undefined && { invoice_id: line.invoice }),
      },
      ...(line.email !== undefined && { payer_info: { email_address: line.email } }),
    };
    this.report.push(entry);
    return entry;
  }

  /** A payout batch: each item debited now, settled after `payoutMs` (silent receivers never). */
  createPayouts(input: PayoutInput): PayoutBatch {
    const senderBatchId = input.sender_batch_header.sender_batch_id;
    if (this.senderBatchIds.has(senderBatchId)) {
      throw new PayPalError(400, 'USER_BUSINESS_ERROR', 'User business error.', [
        { field: 'sender_batch_id', location: 'body', issue: 'SENDER_BATCH_ID_ALREADY_USED', description: `Batch with given sender_batch_id ${senderBatchId} already exists.` },
      ]);
    }
    this.senderBatchIds.add(senderBatchId);
    const batchId = paypalId(13);
    const items = input.items.map((item) => this.newItem(batchId, item));
    const total = input.items.reduce((sum, item) => sum + toCents(item.amount.value), 0);
    const batch: PayoutBatch = {
      batch_header: {
        payout_batch_id: batchId, batch_status: 'PENDING', time_created: this.time(), time_completed: null, sender_batch_header: input.sender_batch_header,
        amount: { currency: 'USD', value: toValue(total) }, fees: { currency: 'USD', value: '0.00' },
      },
      items,
      links: [{ href: `${this.deps.baseUrl}/v1/payments/payouts/${batchId}`, rel: 'self', method: 'GET' }],
    };
    this.batches.set(batchId, batch);
    this.deps.scheduler.after(this.deps.payoutMs, () => this.settle(batch));
    return batch;
  }

  private newItem(batchId: string, input: PayoutInput['items'][number]): PayoutItem {
    const id = paypalId(13);
    const item: PayoutItem = {
      payout_item_id: id, transaction_id: null, transaction_status: 'PENDING', payout_batch_id: batchId, payout_item_fee: { currency: 'USD', value: '0.00' },
      payout_item: { ...input, recipient_type: 'EMAIL' }, time_processed: null,
      links: [{ href: `${this.deps.baseUrl}/v1/payments/payouts-item/${id}`, rel: 'item', method: 'GET' }],
    };
    this.items.set(id, item);
    this.addLine({ id, code: 'T0001', cents: -toCents(input.amount.value), status: 'P', email: input.receiver });
    return item;
  }

  private settle(batch: PayoutBatch): void {
    for (const item of batch.items) {
      const behaviour = receiverBehaviour(item.payout_item.receiver);
      if (item.transaction_status !== 'PENDING' || behaviour === 'silent') continue;
      const value = item.payout_item.amount.value;
      item.time_processed = this.time();
      this.settleLine(item.payout_item_id);
      if (behaviour === 'paid') {
        Object.assign(item, { transaction_status: 'SUCCESS', transaction_id: paypalId(17) });
        this.deps.emit('PAYMENT.PAYOUTS-ITEM.SUCCEEDED', 'payouts_item', `A payout item has succeeded ($ ${value} USD)`, item);
      } else {
        Object.assign(item, { transaction_status: 'FAILED', errors: { name: 'RECEIVER_UNREGISTERED', message: 'Receiver is unregistered' } });
        this.addLine({ id: paypalId(17), code: 'T1106', cents: toCents(value), status: 'S', reference: item.payout_item_id, email: item.payout_item.receiver });
        this.deps.emit('PAYMENT.PAYOUTS-ITEM.FAILED', 'payouts_item', `A payout item has failed ($ ${value} USD)`, item);
      }
    }
    this.updateBatchStatus(batch);
  }

  /** The item's debit line is final once the item is settled (paid, failed or returned). */
  private settleLine(itemId: string): void {
    const line = this.report.find((entry) => entry.transaction_info.transaction_id === itemId);
    if (line) Object.assign(line.transaction_info, { transaction_status: 'S', transaction_updated_date: this.time() });
  }

  private updateBatchStatus(batch: PayoutBatch): void {
    const header = batch.batch_header;
    if (batch.items.some((item) => item.transaction_status === 'PENDING')) {
      header.batch_status = 'PROCESSING';
    } else {
      header.batch_status = 'SUCCESS';
      header.time_completed = this.time();
    }
  }

  batch(id: string): PayoutBatch {
    const batch = this.batches.get(id);
    if (!batch) throw notFound(`payout batch ${id}`);
    return batch;
  }

  item(id: string): PayoutItem {
    const item = this.items.get(id);
    if (!item) throw notFound(`payout item ${id}`);
    return item;
  }

  /** Cancels an item not yet settled: its money comes back (`RETURNED`). */
  cancelItem(id: string): PayoutItem {
    const item = this.item(id);
    if (item.transaction_status !== 'PENDING') {
      throw new PayPalError(400, 'ITEM_INCORRECT_STATUS', 'Item cannot be cancelled.', [
        { issue: 'ITEM_INCORRECT_STATUS', description: `Only PENDING or UNCLAIMED items can be cancelled; ${id} is ${item.transaction_status}.` },
      ]);
    }
    const value = item.payout_item.amount.value;
    Object.assign(item, { transaction_status: 'RETURNED', time_processed: this.time() });
    this.settleLine(id);
    this.addLine({ id: paypalId(17), code: 'T1106', cents: toCents(value), status: 'S', reference: id, email: item.payout_item.receiver });
    this.updateBatchStatus(this.batch(item.payout_batch_id));
    this.deps.emit('PAYMENT.PAYOUTS-ITEM.RETURNED', 'payouts_item', `A payout item has been returned ($ ${value} USD)`, item);
    return item;
  }

  /** Report lines whose initiation date falls in [start, end] (ms), oldest first. */
  transactions(startMs: number, endMs: number): ReportLine[] {
    return this.report.filter((line) => {
      const at = Date.parse(line.transaction_info.transaction_initiation_date);
      return at >= startMs && at <= endMs;
    });
  }
}
