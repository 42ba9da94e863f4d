/** A missing prerequisite: jest prints its one-line message without a stack trace. */
export class MissingPrerequisite extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingPrerequisite';
    this.stack = `${this.name}: ${message}`;
  }
}
