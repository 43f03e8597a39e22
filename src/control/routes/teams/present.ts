import { Team } from '../../../core/model.js';
import { pickDeclared } from '../common/present.js';

export function presentTeam(team: Team): Team {
  return pickDeclared<Team>(Team, team);
}
