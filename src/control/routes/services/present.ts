import { Service } from '../../../core/model.js';
import { pickDeclared } from '../common/present.js';

export function presentService(service: Service): Service {
  return pickDeclared<Service>(Service, service);
}
