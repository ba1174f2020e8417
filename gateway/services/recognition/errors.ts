import createError from '@fastify/error';

/**
 * Recognition's coded errors. They follow the gateway catalog's kinds (invalid → 400, too large → 413,
 * unavailable → 503) with codes specific enough for a mirror to show a useful message.
 */
export const RecognitionErrors = {
  invalid: createError('SG_IMAGE_INVALID', 'image rejected: %s', 400),
  tooLarge: createError('SG_IMAGE_TOO_LARGE', 'image too large: %s', 413),
  noObject: createError('SG_IMAGE_NO_OBJECT', 'no object found in the frame', 422),
  unavailable: createError('SG_RECOGNITION_UNAVAILABLE', 'recognition is %s', 503),
};

/** Why a frame was rejected; the label of storegate_recognition_frames_rejected_total. */
export type RejectReason = 'empty' | 'too_many_bytes' | 'not_an_image' | 'unsupported_format' | 'too_small' | 'too_many_pixels' | 'corrupt' | 'no_object';

export interface ImageError extends Error {
  code: string;
  statusCode: number;
  reason: RejectReason;
}

export function imageError(reason: RejectReason, detail: string): ImageError {
  const err =
    reason === 'too_many_bytes' || reason === 'too_many_pixels'
      ? new RecognitionErrors.tooLarge(detail)
      : reason === 'no_object'
        ? new RecognitionErrors.noObject()
        : new RecognitionErrors.invalid(detail);
  return Object.assign(err, { reason }) as ImageError;
}

export function isImageError(err: unknown): err is ImageError {
  return err instanceof Error && typeof (err as Partial<ImageError>).reason === 'string' && typeof (err as Partial<ImageError>).code === 'string';
}
