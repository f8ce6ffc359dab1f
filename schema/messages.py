"""Message threads with customer service ("Contact us"), attachments, and their mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.file_uploads import Upload

from domain import messages as domain
from domain.attachments import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS
from resolvers import messages as resolvers
from resolvers.documents import file_url
from resolvers.errors import bad_input
from resolvers.ids import to_global_id
from schema.access_log import ActorRole
from schema.common import Node, UserError, lazy_type, user_errors
from schema.pages import PagedConnection, PageInfo

if TYPE_CHECKING:
    from schema.customers import Customer

#: The customer of a thread: ``schema.customers`` imports this module (``Customer.messageThreads``).
CustomerRef = Annotated["Customer", strawberry.lazy("schema.customers")]

MessageCategory = strawberry.enum(domain.MessageCategory, description="What a thread is about.")
ThreadStatus = strawberry.enum(
    domain.ThreadStatus,
    description="`OPEN`: waiting for customer service; `ANSWERED`: customer service replied last; "
    "`CLOSED`: ended by customer service (start a new thread to continue).",
)
SenderKind = strawberry.enum(domain.SenderKind, description="Which side sent a message.")


@strawberry.type(description="A file attached to a message; download it from `url`.")
class Attachment(Node):
    filename: str = strawberry.field(description="File name (sanitised; the extension fits the content).")
    content_type: str = strawberry.field(description="MIME type decided from the content, not the name.")
    size_bytes: int = strawberry.field(description="Size in bytes.")
    row: strawberry.Private[domain.Attachment]

    @classmethod
    def from_row(cls, row: domain.Attachment) -> Attachment:
        return cls(
            id=strawberry.ID(to_global_id("Attachment", row.id or 0)),
            filename=row.filename,
            content_type=row.content_type,
            size_bytes=row.size_bytes,
            row=row,
        )

    @strawberry.field(
        description="Signed download URL, valid for a few minutes and only for the user it was issued to "
        "(served as a download with `Content-Disposition: attachment`)."
    )
    def url(self, info: strawberry.Info) -> str:
        return file_url(info.context, "attachment", self.row.id or 0)


@strawberry.type(description="Who sent a message.")
class MessageSender:
    kind: SenderKind = strawberry.field(description="The customer side or customer service.")
    name: str = strawberry.field(
        description="The customer-side sender's name (the customer's for its owner, else the person's; "
        "the username when no name is known), or the name of customer service."
    )
    role: ActorRole = strawberry.field(
        description="In what capacity they wrote: the owner, a person given access, a housing manager, "
        "or customer service."
    )


@strawberry.type(description="One message in a thread.")
class Message(Node):
    body: str = strawberry.field(description="The text of the message.")
    sent_at: datetime = strawberry.field(description="When it was sent.")
    row: strawberry.Private[domain.Message]

    @classmethod
    def from_row(cls, row: domain.Message) -> Message:
        return cls(
            id=strawberry.ID(to_global_id("Message", row.id or 0)),
            body=row.body,
            sent_at=row.sent_at,
            row=row,
        )

    @strawberry.field(description="Who sent it.")
    def sender(self, info: strawberry.Info) -> MessageSender:
        return MessageSender(
            kind=self.row.sender_kind,
            name=resolvers.sender_display_name(self.row, info.context.language),
            role=resolvers.sender_role(self.row),
        )

    @strawberry.field(description="Attached files, in the order they were sent.")
    async def attachments(self, info: strawberry.Info) -> list[Attachment]:
        rows = await info.context.loaders.attachments_by_message_id.load(self.row.id)
        return [Attachment.from_row(r) for r in rows]


@strawberry.type(description="A conversation between a customer and customer service.")
class MessageThread(Node):
    subject: str = strawberry.field(description="Subject given when the thread was started.")
    category: MessageCategory = strawberry.field(description="What the thread is about.")
    status: ThreadStatus = strawberry.field(
        description="Whether it waits for an answer, is answered or closed."
    )
    created_at: datetime = strawberry.field(description="When the thread was started.")
    last_message_at: datetime = strawberry.field(description="When the latest message was sent.")
    row: strawberry.Private[domain.MessageThread]
    customer_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: domain.MessageThread) -> MessageThread:
        return cls(
            id=strawberry.ID(to_global_id("MessageThread", row.id or 0)),
            subject=row.subject,
            category=row.category,
            status=row.status,
            created_at=row.created_at,
            last_message_at=row.last_message_at,
            row=row,
            customer_id=row.customer_id,
        )

    @strawberry.field(
        description="Messages from the other side that the viewer has not read yet (customer service's "
        "for customer-side users, the customer's for customer service); per user."
    )
    async def unread_count(self, info: strawberry.Info) -> int:
        return await info.context.loaders.unread_count_by_thread_id.load(self.row.id)

    @strawberry.field(description="The messages, oldest first.")
    async def messages(self, info: strawberry.Info) -> list[Message]:
        rows = await info.context.loaders.messages_by_thread_id.load(self.row.id)
        return [Message.from_row(r) for r in rows]

    @strawberry.field(description="The customer the thread belongs to.")
    async def customer(self, info: strawberry.Info) -> CustomerRef:

        loaders = info.context.loaders
        row = await loaders.customer_by_id.load(self.customer_id)
        access = None
        if not info.context.require_principal().is_staff:
            access = await loaders.access_by_customer_id.load(self.customer_id)
        return lazy_type(CustomerRef).from_row(row, access)


@strawberry.type(description="A thread in a list.")
class MessageThreadEdge:
    cursor: str = strawberry.field(description="Position of this thread in the list.")
    node: MessageThread = strawberry.field(description="The thread.")


@strawberry.type(
    description="A page of threads: a customer's newest activity first; the customer-service queue "
    "longest waiting first."
)
class MessageThreadConnection(PagedConnection):
    page: strawberry.Private[resolvers.ThreadPage]
    edges: list[MessageThreadEdge] = strawberry.field(description="The threads of this page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")

    @classmethod
    def from_page(cls, page: resolvers.ThreadPage) -> MessageThreadConnection:
        return cls.of_page(page, MessageThreadEdge, MessageThread.from_row)

    @strawberry.field(description="Number of threads in the list, on all pages.")
    async def total_count(self, info: strawberry.Info) -> int:
        return await resolvers.thread_count(info.context, self.page)


@strawberry.input(
    description="A new message: a new thread (give `subject` and `category`) or a reply in a thread "
    f"(give `threadId`). At most {MAX_ATTACHMENTS} attachments of at most "
    f"{MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB each (PDF, PNG, JPEG, HEIC, TXT, DOCX, XLSX; the type "
    "is decided from the content), sent as a GraphQL multipart request with an "
    "`Apollo-Require-Preflight` header."
)
class SendMessageInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer the message is about.")
    thread_id: strawberry.ID | None = strawberry.field(
        default=None, description="Reply in this thread (of the same customer); omit for a new thread."
    )
    subject: str | None = strawberry.field(default=None, description="Subject of a new thread.")
    category: MessageCategory | None = strawberry.field(default=None, description="Category of a new thread.")
    body: str = strawberry.field(description="The text of the message.")
    attachments: list[Upload] | None = strawberry.field(
        default=None, description="Files to attach (multipart request)."
    )


@strawberry.type(description="Result of `sendMessage`; on any error nothing is stored.")
class SendMessagePayload:
    thread: MessageThread | None = strawberry.field(description="The thread the message went to.")
    message: Message | None = strawberry.field(description="The message sent.")
    errors: list[UserError] = strawberry.field(description="Empty on success.")


@strawberry.input(description="The thread to mark read.")
class MarkThreadReadInput:
    thread_id: strawberry.ID = strawberry.field(description="ID of the thread.")


@strawberry.type(description="Result of `markThreadRead`.")
class MarkThreadReadPayload:
    thread: MessageThread | None = strawberry.field(
        description="The thread, now read up to its last message."
    )
    errors: list[UserError] = strawberry.field(description="Empty on success.")


@strawberry.input(description="Customer service's answer to a thread.")
class ReplyToThreadInput:
    thread_id: strawberry.ID = strawberry.field(description="ID of the thread.")
    body: str = strawberry.field(description="The text of the answer.")
    close: bool = strawberry.field(
        default=False, description="Also close the thread (`CLOSED`); otherwise it becomes `ANSWERED`."
    )


@strawberry.type(description="Result of `replyToThread`.")
class ReplyToThreadPayload:
    thread: MessageThread | None = strawberry.field(description="The thread answered.")
    message: Message | None = strawberry.field(description="The answer.")
    errors: list[UserError] = strawberry.field(description="Empty on success.")


def _payload_parts(result: resolvers.MessageResult) -> tuple[MessageThread | None, Message | None]:
    thread = MessageThread.from_row(result.thread) if result.thread is not None else None
    message = Message.from_row(result.message) if result.message is not None else None
    return thread, message


@strawberry.type
class MessageMutations:
    @strawberry.mutation(
        description="Send a message to customer service (`READ_WRITE` on `MESSAGES`); the message and "
        "its attachments are stored together or not at all."
    )
    async def send_message(self, info: strawberry.Info, input: SendMessageInput) -> SendMessagePayload:
        uploads = list(input.attachments or [])
        if any(not callable(getattr(upload, "read", None)) for upload in uploads):
            raise bad_input("errors.attachments_not_files")
        try:
            result = await resolvers.send_message(
                info.context,
                str(input.customer_id),
                thread_gid=None if input.thread_id is None else str(input.thread_id),
                subject=input.subject,
                category=None if input.category is None else domain.MessageCategory(input.category.value),
                body=input.body,
                uploads=uploads,
            )
        finally:
            for upload in uploads:
                close = getattr(upload, "close", None)
                if close is not None:
                    await close()
        thread, message = _payload_parts(result)
        return SendMessagePayload(thread=thread, message=message, errors=user_errors(result.errors))

    @strawberry.mutation(
        description="Mark a thread read up to its last message for the viewer (`READ_WRITE` on `MESSAGES`)."
    )
    async def mark_thread_read(
        self, info: strawberry.Info, input: MarkThreadReadInput
    ) -> MarkThreadReadPayload:
        thread = await resolvers.mark_thread_read(info.context, str(input.thread_id))
        return MarkThreadReadPayload(thread=MessageThread.from_row(thread), errors=[])

    @strawberry.mutation(description="Customer service: answer a thread (and optionally close it).")
    async def reply_to_thread(self, info: strawberry.Info, input: ReplyToThreadInput) -> ReplyToThreadPayload:
        result = await resolvers.reply_to_thread(
            info.context, str(input.thread_id), input.body, close=input.close
        )
        thread, message = _payload_parts(result)
        return ReplyToThreadPayload(thread=thread, message=message, errors=user_errors(result.errors))
