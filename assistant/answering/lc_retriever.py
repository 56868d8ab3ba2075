"""The hybrid index behind LangChain's retriever interface."""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.answering.retrieval import HybridIndex
from assistant.answering.schemas import Hit


class KBRetriever(BaseRetriever):
    """Returns entries as Documents; ``metadata`` holds the id, kind and the scores."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: HybridIndex
    k: int = 3
    leave_out_examples: bool = False

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        documents = []
        for hit in self.index.search(query, k=self.k, leave_out_examples=self.leave_out_examples):
            entry = self.index.kb.get(hit.entry_id)
            if entry is None:
                continue
            documents.append(
                Document(
                    page_content="\n\n".join(entry.search_texts()),
                    metadata={"kind": entry.kind, **hit.model_dump()},
                )
            )
        return documents


def hits_of(documents: list[Document]) -> list[Hit]:
    return [Hit.model_validate(d.metadata) for d in documents]
