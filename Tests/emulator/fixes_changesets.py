"""Change sets left for review (cfn-deploy --no-execute), as AWS keeps them; moto 5.2.5 differs:

- CreateChangeSet with the name of a change set the stack has already: a retry when the
  ClientToken is the same (the first change set is the answer), AlreadyExistsException otherwise
  (CreateChangeSet API reference: ClientToken, Errors). moto makes a second one of that name.
- A CREATE change set for a stack in REVIEW_IN_PROGRESS (a CREATE change set made it, nobody has
  executed one) is that stack's; moto makes a second stack of the same name, which DescribeStacks
  never shows and an execution of the change set then builds.
- ExecuteChangeSet "deletes all other change sets associated with the stack because they aren't
  valid for the updated stack" (ExecuteChangeSet API reference); moto keeps them.
"""

from __future__ import annotations

from typing import Any


def _same_name_is_a_retry() -> None:
    from moto.cloudformation.exceptions import AlreadyExistsException
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult

    original = CloudFormationResponse.create_change_set

    def create_change_set(self: Any) -> Any:
        backend = self.cloudformation_backend
        stack_name, name = self._get_param("StackName"), self._get_param("ChangeSetName")
        token = self._get_param("ClientToken")
        for change_set in backend.change_sets.values():
            if change_set.stack_name != stack_name or change_set.change_set_name != name:
                continue
            if change_set.stack.status == "DELETE_COMPLETE":
                continue
            if token and getattr(change_set, "client_token", None) == token:
                return ActionResult({"Id": change_set.change_set_id, "StackId": change_set.stack_id})
            raise AlreadyExistsException(f"ChangeSet {name} already exists")
        result = original(self)
        for change_set in backend.change_sets.values():
            if change_set.stack_name == stack_name and change_set.change_set_name == name:
                change_set.client_token = token
        return result

    CloudFormationResponse.create_change_set = create_change_set


def _create_on_a_stack_in_review() -> None:
    from moto.cloudformation.models import ChangeSet, CloudFormationBackend
    from moto.cloudformation.utils import generate_changeset_id

    original = CloudFormationBackend.create_change_set

    def create_change_set(self: Any, stack_name: str, change_set_name: str, template: str, parameters: dict[str, str],
                          description: str, change_set_type: str, notification_arns: list[str] | None = None,
                          tags: dict[str, str] | None = None, role_arn: str | None = None) -> tuple[str, str]:
        review = next((s for s in self.stacks.values() if s.name == stack_name and s.status == "REVIEW_IN_PROGRESS"), None)
        if change_set_type != "CREATE" or review is None:
            return original(self, stack_name, change_set_name, template, parameters, description, change_set_type,
                            notification_arns, tags, role_arn)
        change_set_id = generate_changeset_id(change_set_name, self.region_name, self.account_id)
        change_set = ChangeSet(change_set_type=change_set_type, change_set_id=change_set_id,
                               change_set_name=change_set_name, stack=review, template=template,
                               parameters=parameters, description=description, notification_arns=notification_arns,
                               tags=tags, role_arn=role_arn)
        change_set.status = "CREATE_COMPLETE"
        change_set.execution_status = "AVAILABLE"
        self.change_sets[change_set_id] = change_set
        return change_set_id, review.stack_id

    CloudFormationBackend.create_change_set = create_change_set


def _execute_deletes_the_others() -> None:
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.execute_change_set

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        executed = self.describe_change_set(change_set_name)
        original(self, change_set_name, stack_name)
        for key in [k for k, c in self.change_sets.items() if c.stack_id == executed.stack_id and c is not executed]:
            del self.change_sets[key]

    CloudFormationBackend.execute_change_set = execute_change_set


def install() -> None:
    """After fixes_cfn, whose rollback wraps ExecuteChangeSet."""
    _same_name_is_a_retry()
    _create_on_a_stack_in_review()
    _execute_deletes_the_others()
