import type { Condition, KeyCondition, UpdateAction } from './types.ts';

/**
 * Renders expressions with placeholders. One builder per request, so the key condition, filter,
 * projection and update share ExpressionAttributeNames/Values without collisions.
 */
export class ExpressionBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private readonly nameOf = new Map<string, string>();
  private valueCount = 0;

  name(attribute: string): string {
    let placeholder = this.nameOf.get(attribute);
    if (!placeholder) {
      placeholder = `#n${this.nameOf.size}`;
      this.nameOf.set(attribute, placeholder);
      this.names[placeholder] = attribute;
    }
    return placeholder;
  }

  value(value: unknown): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  condition(condition: Condition): string {
    switch (condition.kind) {
      case 'compare':
        return `${this.name(condition.name)} ${condition.op} ${this.value(condition.value)}`;
      case 'between':
        return `${this.name(condition.name)} BETWEEN ${this.value(condition.low)} AND ${this.value(condition.high)}`;
      case 'beginsWith':
        return `begins_with(${this.name(condition.name)}, ${this.value(condition.value)})`;
      case 'contains':
        return `contains(${this.name(condition.name)}, ${this.value(condition.value)})`;
      case 'in':
        return `${this.name(condition.name)} IN (${condition.values.map((value) => this.value(value)).join(', ')})`;
      case 'exists':
        return `attribute_exists(${this.name(condition.name)})`;
      case 'notExists':
        return `attribute_not_exists(${this.name(condition.name)})`;
      case 'size':
        return `size(${this.name(condition.name)}) ${condition.op} ${this.value(condition.value)}`;
      case 'and':
      case 'or':
        return condition.conditions.map((part) => `(${this.condition(part)})`).join(condition.kind === 'and' ? ' AND ' : ' OR ');
      case 'not':
        return `NOT (${this.condition(condition.condition)})`;
    }
  }

  keyCondition(key: KeyCondition): string {
    const pk = `${this.name(key.pk.name)} = ${this.value(key.pk.value)}`;
    const sk = key.sk;
    if (!sk) return pk;
    const name = this.name(sk.name);
    switch (sk.op) {
      case 'between':
        return `${pk} AND ${name} BETWEEN ${this.value(sk.value)} AND ${this.value(sk.high)}`;
      case 'beginsWith':
        return `${pk} AND begins_with(${name}, ${this.value(sk.value)})`;
      default:
        return `${pk} AND ${name} ${sk.op} ${this.value(sk.value)}`;
    }
  }

  update(actions: readonly UpdateAction[]): string {
    const set: string[] = [];
    const remove: string[] = [];
    const add: string[] = [];
    const del: string[] = [];
    for (const action of actions) {
      const name = this.name(action.name);
      switch (action.kind) {
        case 'set':
          set.push(`${name} = ${this.value(action.value)}`);
          break;
        case 'setIfNotExists':
          set.push(`${name} = if_not_exists(${name}, ${this.value(action.value)})`);
          break;
        case 'append':
          set.push(`${name} = list_append(if_not_exists(${name}, ${this.value([])}), ${this.value(action.values)})`);
          break;
        case 'prepend':
          set.push(`${name} = list_append(${this.value(action.values)}, if_not_exists(${name}, ${this.value([])}))`);
          break;
        case 'remove':
          remove.push(name);
          break;
        case 'add':
        case 'addToSet':
          add.push(`${name} ${this.value(action.kind === 'add' ? action.value : action.values)}`);
          break;
        case 'deleteFromSet':
          del.push(`${name} ${this.value(action.values)}`);
          break;
      }
    }
    return [
      set.length ? `SET ${set.join(', ')}` : '',
      remove.length ? `REMOVE ${remove.join(', ')}` : '',
      add.length ? `ADD ${add.join(', ')}` : '',
      del.length ? `DELETE ${del.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
  }

  projection(attributes: readonly string[]): string {
    return attributes.map((attribute) => this.name(attribute)).join(', ');
  }

  /** The ExpressionAttributeNames/Values members, omitted when empty (DynamoDB rejects empty maps). */
  attributes(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } {
    return {
      ...(Object.keys(this.names).length ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}
