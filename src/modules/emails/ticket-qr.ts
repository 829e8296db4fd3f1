import QRCode from 'qrcode';

/**
 * The ticket code as a PNG QR code: what GET /api/tickets/:code/qr encodes (the code alone, level
 * M, a 2-module quiet zone), as a raster because mail clients do not show inline SVG.
 */
export function ticketQrPng(code: string): Promise<Buffer> {
  return QRCode.toBuffer(code, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 240 });
}
