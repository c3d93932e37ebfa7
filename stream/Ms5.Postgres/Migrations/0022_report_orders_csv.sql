-- Shift reports gain an "Orders" section (README "Production orders" → "Live"): its CSV, one row per order that ran during
-- the shift (GET /api/reports/{id}/orders.csv). Reports made before hold the header only (they listed no orders).
ALTER TABLE reports ADD COLUMN orders_csv bytea;
UPDATE reports SET orders_csv = convert_to('orderId,plantId,product,machineIds,machineNames,status,targetQuantity,goodInShift,rejectInShift,percentOfTarget,oeeInShift,finishUtc,finishLocal,finishEstimated,shift,shiftStartUtc,revision' || E'\r\n', 'UTF8') WHERE status = 'ready';
