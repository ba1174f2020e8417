export { type Candidate, type Catalog, candidates, loadCatalog } from '../../catalog.ts';
export { RECOGNITION_DEFAULTS, type RecognitionConfig, RecognitionConfigSchema } from './config.ts';
export { type ImageError, isImageError, RecognitionErrors, type RejectReason } from './errors.ts';
export { INPUT_SIZE, MEAN, preprocess, STD } from './preprocess.ts';
export { createRecognitionService, type Recognition, type RecognitionService, type RecognitionStatus } from './service.ts';
export { createRecognitionGatewayService } from './gateway-service.ts';
export { recognitionRoutes } from './routes.ts';
export { recognizeFiles } from './recognize-files.ts';
